import { Hono } from 'hono';
import type { AppContext } from '../../context.ts';
import { parseDisplaySize } from '../../domain/photos/sizes.ts';
import { AppError } from '../../shared/errors.ts';
import type { WebEnv } from '../env.ts';
import { imageResponse } from '../middleware/security-headers.ts';
import { matchesEtag } from '../etag.ts';

/**
 * `GET /photos/:localid?size=thumb|profile|full[&version=N]`: the display image (never the bytes
 * as uploaded); `version` (a kept earlier photo) for admins only. `Cache-Control: private, no-cache` keeps shared caches out and makes the browser
 * revalidate, so a replaced photo shows at once while an unchanged one costs a 304.
 */
export function photoRoutes(ctx: AppContext): Hono<WebEnv> {
  return new Hono<WebEnv>().get('/:localid', async (c) => {
    const size = parseDisplaySize(c.req.query('size'));
    const version = parseVersion(c.req.query('version'));
    // NB: a replaced photo may have been someone else's (the reason it was replaced): kept
    // versions are for admins only, like the history they come from.
    if (version !== undefined && c.get('user')?.role !== 'admin') throw new AppError('forbidden', 'only admins may view earlier photo versions');
    const image = ctx.photos.display(c.req.param('localid'), size, version, { seesWithheld: c.get('user')?.role === 'admin' });
    const headers: Record<string, string> = { ETag: image.etag, 'Cache-Control': 'private, no-cache' };
    if (image.placeholder) {
      // FERPA directory opt-out: staff and tokens get the placeholder, said so for programs.
      headers['X-Photo'] = image.withheld ? 'withheld' : 'placeholder';
      c.set('notAView', true);
    }
    if (matchesEtag(c.req.header('If-None-Match'), image.etag)) return imageResponse(null, 304, headers);
    headers['Content-Type'] = 'image/jpeg';
    return imageResponse(await image.read(), 200, headers);
  });
}

function parseVersion(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,15}$/.test(value)) throw new AppError('invalid', `version must be a version number (got "${value}")`);
  return Number(value);
}

