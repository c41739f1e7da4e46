import type { MiddlewareHandler } from 'hono';
import type { AuditLog } from '../../domain/audit/audit.ts';
import type { WebEnv } from '../env.ts';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Records every state change a signed-in account makes through the web, whatever the route:
 * any request that is not a read and was answered with success (2xx, or a 3xx after a form).
 * A route may name what it did (`c.set('audit', …)`) for a readable entry; without that the
 * entry still names the method, the path and the answer, so a route added later (a JSON API
 * beside a page) cannot go unaudited. Sign-in and sign-out are audited by their own route,
 * which answers before this runs.
 */
export function auditChanges(audit: AuditLog): MiddlewareHandler<WebEnv> {
  return async function auditChanges(c, next) {
    if (READS.has(c.req.method)) return next();
    await next();
    const user = c.get('user');
    if (!user || c.res.status >= 400) return;
    const named = c.get('audit');
    if (named === 'recorded') return;
    audit.record({
      actor: user.username,
      action: named?.action ?? (user.role === 'admin' ? 'admin.action' : 'staff.action'),
      local_id: named?.localId ?? '',
      detail: named?.detail ?? `${c.req.method} ${c.req.path} (${c.res.status})`,
      ip: c.get('ip'),
    });
  };
}
