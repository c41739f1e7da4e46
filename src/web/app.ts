import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { AppError } from '../shared/errors.ts';
import type { AppContext } from '../context.ts';
import { createLogger } from '../shared/logger.ts';
import { VERSION } from '../version.ts';
import type { WebEnv } from './env.ts';
import { withDisplayCache } from './display-cache.ts';
import { photoFastPath } from './photo-fast-path.ts';
import type { RequestListener } from 'node:http';
import { errorHandler, notFoundHandler } from './errors.ts';
import { auditChanges } from './middleware/audit-change.ts';
import { auditView } from './middleware/audit-view.ts';
import { csrfProtection } from './middleware/csrf.ts';
import { requireRole } from './middleware/require-role.ts';
import { securityHeaders } from './middleware/security-headers.ts';
import { sessionLoader } from './middleware/session.ts';
import { tokenAuth } from './middleware/bearer-token.ts';
import { adminRoutes } from './routes/admin.tsx';
import { assetRoutes } from './routes/assets.ts';
import { authRoutes } from './routes/auth.tsx';
import { oidcRoutes } from './routes/oidc.tsx';
import { pageRoutes } from './routes/pages.tsx';
import { photoRoutes } from './routes/photos.ts';
import { photosApiRoutes, photoVersionsApiRoutes } from './routes/photos-api.ts';
import { usersApiRoutes } from './routes/users-api.ts';
import { sftpSessionsApiRoutes } from './routes/sftp-sessions-api.ts';
import { checkoutRoutes } from './routes/checkout.tsx';
import { deviceRoutes } from './routes/devices.tsx';
import { incidentRoutes } from './routes/incidents.tsx';
import { importsApi } from './routes/imports-api.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { configureDisplay } from './views/display.ts';
import { resolveTimezone } from '../shared/time.ts';

/**
 * JSON API paths only admins may use. Everything else under /api/ is open to every signed-in
 * account (staff look people up through it).
 */
const ADMIN_API = ['/api/imports', '/api/imports/*', '/api/photos/*', '/api/photo-versions/*', '/api/sftp-sessions', '/api/audit', '/api/audit/*'];

/**
 * The web viewer and its JSON API; testable with `app.request()` and no socket.
 *
 * NB: Hono runs middleware in registration order, so the guards below come before every
 * route: a feature mounts its sub-app in the marked section at the end and gets sign-in,
 * CSRF, roles, the audit of views and the audit of every change without code of its own.
 */
export function createWebApp(ctx: AppContext): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  configureDisplay({ names: ctx.names, timezone: resolveTimezone(ctx.config.timezone) });
  app.onError(errorHandler(createLogger('web')));
  app.notFound(notFoundHandler);
  app.use(securityHeaders(ctx.metrics.observeRequest));

  // Public: health check, metrics (checked by address or token), stylesheet and script, sign-in and sign-out.
  app.get('/healthz', (c) => c.json({ status: 'ok', version: VERSION }));
  app.route('/metrics', metricsRoutes(ctx.metrics, ctx.metricsAccess));
  app.route('/assets', assetRoutes());
  // Before anything reads a body: a signed-out client must not make the appliance buffer
  // hundreds of megabytes (the sign-in limit counts attempts only once the body is read).
  app.use('/login', requestSizeLimit(16 * 1024));
  app.use(requestSizeLimit(1024 * 1024));
  app.use(sessionLoader(ctx.auth, ctx.config.web.public_url));
  app.use(tokenAuth(ctx.tokens, ctx.audit));
  app.use(csrfProtection());
  app.route('/', authRoutes(ctx));
  app.route('/login/oidc', oidcRoutes(ctx));

  // Everything else needs a signed-in account; admin areas need the admin role.
  for (const path of ['/admin', '/admin/*', ...ADMIN_API]) app.use(path, requireRole('admin'));
  app.use('*', requireRole('staff'));
  app.use('*', auditChanges(ctx.audit));
  app.use('/photos/:localid', auditView(ctx.audit, 'photo.view'));
  app.use('/api/users/:localid', auditView(ctx.audit, 'user.api_view'));

  app.route('/', pageRoutes(ctx));
  app.route('/admin', adminRoutes(ctx));

  // Feature routes: one line each.
  app.route('/photos', photoRoutes({ ...ctx, photos: withDisplayCache(ctx.photos) }));
  app.route('/api/users', usersApiRoutes(ctx));
  app.route('/api/photos', photosApiRoutes(ctx));
  app.route('/api/photo-versions', photoVersionsApiRoutes(ctx));
  app.route('/api/sftp-sessions', sftpSessionsApiRoutes(ctx));
  app.route('/checkout', checkoutRoutes(ctx));
  app.route('/devices', deviceRoutes(ctx));
  app.route('/incidents', incidentRoutes(ctx));
  app.route('/api/imports', importsApi(ctx));
  return app;
}

/**
 * What sees each request before the app (web/server.ts): the fast path for signed-in display
 * images, which hands everything else, and everything unusual, to the app.
 */
export function webFront(ctx: AppContext): (next: RequestListener) => RequestListener {
  return (next) => photoFastPath(ctx, next);
}

/** Refuses request bodies over `maxSize` bytes with 413, through the one error translator. */
function requestSizeLimit(maxSize: number): MiddlewareHandler<WebEnv> {
  const limit = bodyLimit({
    maxSize,
    onError: () => {
      throw new AppError('too_large', `The request is larger than ${Math.round(maxSize / 1024)} KB.`);
    },
  });
  // NB: GET and HEAD bodies are never read (Node discards them), and asking for one makes
  // @hono/node-server build a whole WHATWG Request: a tenth of the CPU of serving a display image.
  return (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limit(c, next));
}
