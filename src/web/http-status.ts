import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isAppError, isDiskFull, type AppErrorCode } from '../shared/errors.ts';

// NB: a file of its own, without the error pages, so that the fast paths in front of the app
// (web/front.ts) load no views, no Hono and no JSX at start.
const STATUS: Record<AppErrorCode, ContentfulStatusCode> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unavailable: 503,
};

/** The HTTP status for anything thrown; the one AppError → HTTP mapping of the web edge. */
export function httpStatus(err: unknown): ContentfulStatusCode {
  if (isAppError(err)) return err.details?.retryAfterSeconds ? 429 : STATUS[err.code];
  if (err instanceof HTTPException) return err.status as ContentfulStatusCode;
  if (isDiskFull(err)) return 507;
  return 500;
}
