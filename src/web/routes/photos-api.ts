import { Hono } from 'hono';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../shared/errors.ts';
import type { WebEnv } from '../env.ts';

/**
 * The photo admin API (admins only; the guard is in web/app.ts):
 * - `GET /api/photos/unmatched`, `GET /api/photos/rejected` (`?limit=`, newest first): lists with
 *   `file_name, local_id, time, account, reason, hints`;
 * - `POST /api/photos/:localid/restore` with JSON `{ "version": N }` (or form field `version`).
 * The history of a Local ID is `photoVersionsApiRoutes`.
 */
export function photosApiRoutes(ctx: AppContext): Hono<WebEnv> {
  return new Hono<WebEnv>()
    .get('/unmatched', (c) => c.json(ctx.photos.unmatched(parseLimit(c.req.query('limit')))))
    .get('/rejected', (c) => c.json(ctx.photos.rejected(parseLimit(c.req.query('limit')))))
    .post('/:localid/restore', async (c) => {
      const type = c.req.header('content-type') ?? '';
      const body: Record<string, unknown> = type.includes('application/json') ? await c.req.json().catch(() => ({})) : await c.req.parseBody();
      const version = Number(body.version);
      if (!Number.isSafeInteger(version) || version < 1) throw new AppError('invalid', 'give the version number to restore, e.g. {"version": 12}');
      const account = c.get('user')?.username ?? 'web';
      const restored = ctx.photos.restore(c.req.param('localid'), version, account);
      c.set('audit', { localId: c.req.param('localid'), detail: `photo version ${version} restored` });
      return c.json(restored);
    });
}

/**
 * `GET /api/photo-versions/:localid`: the history kept, newest first (admins only).
 * NB: not `/api/photos/:localid/versions`: beside `/api/photos/unmatched` that pattern makes
 * Hono's RegExpRouter give up, and every request of the viewer then pays for the slower trie
 * router (test/web/routing.test.ts).
 */
export function photoVersionsApiRoutes(ctx: AppContext): Hono<WebEnv> {
  return new Hono<WebEnv>().get('/:localid', (c) => c.json(ctx.photos.history(c.req.param('localid'))));
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return 500;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1 || n > 10_000) throw new AppError('invalid', 'limit must be a number from 1 to 10000');
  return n;
}
