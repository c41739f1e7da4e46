import { Hono } from 'hono';
import type { AppContext } from '../../context.ts';
import type { WebEnv } from '../env.ts';

/**
 * `GET /api/users/:localid`: the user and their current photo —
 * `photo` is null or `{ source_sha256, updated_at, width, height, versions }`; `opt_out` true marks a
 * FERPA directory opt-out, whose photo is null with `photo_withheld: true` for everyone but admins.
 */
export function usersApiRoutes(ctx: AppContext): Hono<WebEnv> {
  return new Hono<WebEnv>().get('/:localid', (c) => c.json(ctx.photos.user(c.req.param('localid'), { seesWithheld: c.get('user')?.role === 'admin' })));
}
