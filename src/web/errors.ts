import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isAppError } from '../shared/errors.ts';
import { httpStatus } from './http-status.ts';
import type { Logger } from '../shared/logger.ts';
import type { WebEnv } from './env.ts';
import { ErrorPage } from './views/error-page.tsx';

export function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/');
}

/**
 * `app.onError`: JSON `{ error: { code, message } }` under /api/, an HTML page elsewhere.
 * A signed-out page request goes to the sign-in page instead. Anything that is not an
 * AppError is logged with its stack and answered with a plain 500.
 */
export function errorHandler(log: Logger) {
  return function onError(err: Error, c: Context<WebEnv>): Response | Promise<Response> {
    const status = httpStatus(err);
    // A client with a bearer token is a program: JSON and a plain 401, never the sign-in page.
    const api = isApiPath(c.req.path) || c.req.header('authorization') !== undefined;
    if (status === 500) log.error({ err, method: c.req.method, path: c.req.path }, 'web request failed');
    else if (status === 507) log.error({ err, method: c.req.method, path: c.req.path, user: c.get('user')?.username }, 'web request refused: the disk is full');
    // NB: a signed-out browser is routine; a refused integration token is worth a line.
    else if ((status !== 401 || c.req.header('authorization') !== undefined) && status !== 404) {
      const reason = isAppError(err) ? err.details?.reason : undefined;
      log.info({ status, method: c.req.method, path: c.req.path, user: c.get('user')?.username, ip: c.get('ip'), reason, message: err.message }, 'web request refused');
    }
    const code = isAppError(err) ? err.code : status === 500 ? 'internal' : status === 507 ? 'disk_full' : 'invalid';
    const message =
      status === 500
        ? 'Something went wrong on the server. The error is in the log.'
        : status === 507
          ? 'The appliance is out of disk space; nothing was changed. Viewing still works. Tell the district IT admin.'
          : err.message;
    if (isAppError(err) && err.details?.retryAfterSeconds) c.header('Retry-After', String(err.details.retryAfterSeconds));
    if (status === 401 && c.req.header('authorization') !== undefined) c.header('WWW-Authenticate', 'Bearer');
    if (api) return c.json({ error: { code, message } }, status);
    if (status === 401 && (c.req.method === 'GET' || c.req.method === 'HEAD')) {
      return c.redirect(`/login?next=${encodeURIComponent(c.req.path + new URL(c.req.url).search)}`, 303);
    }
    return c.html(ErrorPage({ status, message, user: c.get('user') }), status);
  };
}

/** `app.notFound`, in the same two shapes. */
export function notFoundHandler(c: Context<WebEnv>): Response | Promise<Response> {
  const message = 'There is no such page.';
  if (isApiPath(c.req.path)) return c.json({ error: { code: 'not_found', message } }, 404);
  return c.html(ErrorPage({ status: 404, message, user: c.get('user') }), 404);
}
