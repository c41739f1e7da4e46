import type { MiddlewareHandler } from 'hono';
import type { WebRole } from '../../domain/auth/auth.ts';
import { AppError } from '../../shared/errors.ts';
import type { WebEnv } from '../env.ts';

/**
 * Lets a request through only for a signed-in account with at least `role`. Signed out: 401
 * (pages turn it into a redirect to /login in errors.ts). Staff on an admin path: 403.
 */
export function requireRole(role: WebRole): MiddlewareHandler<WebEnv> {
  return async function requireRole(c, next) {
    const user = c.get('user');
    if (!user) throw new AppError('unauthorized', 'Sign in to see this.', { reason: 'signed_out' });
    if (role === 'admin' && user.role !== 'admin') {
      throw new AppError('forbidden', 'This is for idphotos administrators. Ask your district IT admin if you need it.', { reason: 'not_admin' });
    }
    await next();
  };
}
