import type { MiddlewareHandler } from 'hono';
import type { AuditAction, AuditLog } from '../../domain/audit/audit.ts';
import type { WebEnv } from '../env.ts';

/**
 * Records a view of `:localid` by the signed-in account once the route has answered with the
 * data (200, or 304 when the browser already had it). Refusals and 404s are not views.
 */
export function auditView(audit: AuditLog, action: AuditAction): MiddlewareHandler<WebEnv> {
  return async function auditView(c, next) {
    await next();
    const user = c.get('user');
    if (!user || (c.res.status !== 200 && c.res.status !== 304)) return;
    // NB: a flag, not the X-Photo header: reading c.res.headers costs real time on the image path.
    if (c.get('notAView')) return;
    // A token's every use is recorded by tokenAuth, as token.use.
    if (c.get('token')) return;
    audit.record({ actor: user.username, action, local_id: c.req.param('localid') ?? '', detail: c.req.query('size') ?? '', ip: c.get('ip') });
  };
}
