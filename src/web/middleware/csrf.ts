import type { MiddlewareHandler } from 'hono';
import { AppError } from '../../shared/errors.ts';
import { constantTimeEqual } from '../../shared/passwords.ts';
import type { WebEnv } from '../env.ts';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

/**
 * Every state-changing request must come from our own pages: the browser's Origin (or
 * Sec-Fetch-Site) must name this site, and a signed-in request must carry the session's token
 * in the `_csrf` form field or the `X-CSRF-Token` header. Sign-in itself has no session yet,
 * so it gets the origin check only.
 */
export function csrfProtection(): MiddlewareHandler<WebEnv> {
  return async function csrf(c, next) {
    if (SAFE.has(c.req.method)) return next();
    const origin = c.req.header('origin');
    if (origin !== undefined) {
      if (!sameOrigin(origin, c.req.header('host'))) {
        throw new AppError('forbidden', 'Refused a request sent from another web site.', { reason: 'cross_origin' });
      }
    } else if (c.req.header('sec-fetch-site') === 'cross-site') {
      throw new AppError('forbidden', 'Refused a request sent from another web site.', { reason: 'cross_site' });
    }
    const user = c.get('user');
    // Signing in again (a stale tab at a shared desk, a script switching accounts) carries the
    // old session's cookie but no token: the Origin check above is what guards sign-in.
    if (user && !(c.req.method === 'POST' && c.req.path === '/login')) {
      const sent = c.req.header(CSRF_HEADER) ?? (await formField(c.req.raw.headers.get('content-type'), () => c.req.parseBody()));
      if (!sent || !constantTimeEqual(Buffer.from(sent), Buffer.from(user.csrfToken))) {
        throw new AppError('forbidden', 'This form is missing its security token or it has expired. Reload the page and try again.', {
          reason: 'csrf_token',
        });
      }
    }
    await next();
  };
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return origin !== 'null' && host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

async function formField(type: string | null, parse: () => Promise<Record<string, unknown>>): Promise<string | undefined> {
  if (!type || !(type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data'))) return undefined;
  // NB: Hono caches the parsed body, so the route handler can read the form again.
  const value = (await parse())[CSRF_FIELD];
  return typeof value === 'string' ? value : undefined;
}
