import type { MiddlewareHandler } from 'hono';
import type { AuditLog } from '../../domain/audit/audit.ts';
import type { TokenService } from '../../domain/tokens/tokens.ts';
import { AppError } from '../../shared/errors.ts';
import type { WebEnv } from '../env.ts';

/** The only addresses an integration token opens (scope photos:read), GET or HEAD. */
const TOKEN_PATHS = [/^\/api\/users\/[^/]+$/, /^\/photos\/[^/]+$/];

/** The bearer token of an `Authorization` header, or undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return m?.[1];
}

/**
 * `Authorization: Bearer TOKEN` for other systems: a live token of scope photos:read reads
 * `GET /api/users/{id}` and `GET /photos/{id}` as a staff member named `token:NAME` would, and
 * nothing else. The token is looked up on every request (one indexed read), so a token revoked
 * from the CLI or another process is refused from its next request on. Every use is audited
 * with the token's name, the answer's status included.
 */
export function tokenAuth(tokens: TokenService, audit: AuditLog): MiddlewareHandler<WebEnv> {
  return async function tokenAuth(c, next) {
    const header = c.req.header('authorization');
    if (header === undefined) return next();
    const token = bearerToken(header);
    if (!token) throw new AppError('unauthorized', 'The Authorization header must be "Bearer TOKEN".', { reason: 'bad_authorization' });
    const holder = tokens.authenticate(token);
    if (!holder) throw new AppError('unauthorized', 'This integration token is unknown or was revoked. Ask an idphotos administrator for a new one.', { reason: 'bad_token' });
    const path = c.req.path;
    if ((c.req.method !== 'GET' && c.req.method !== 'HEAD') || !TOKEN_PATHS.some((p) => p.test(path))) {
      throw new AppError('forbidden', 'An integration token reads GET /api/users/{id} and GET /photos/{id} only.', { reason: 'token_scope' });
    }
    c.set('token', holder);
    // NB: role staff, so admin-only extras (earlier photo versions, withheld photos) stay closed.
    c.set('user', { username: `token:${holder.name}`, method: 'token', role: 'staff', csrfToken: '', createdAt: '' });
    try {
      await next();
    } finally {
      const localId = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
      audit.record({ actor: `token:${holder.name}`, action: 'token.use', local_id: localId, detail: `${c.req.method} ${path} → ${c.res.status}`, ip: c.get('ip') });
    }
  };
}
