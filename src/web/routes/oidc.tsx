import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppContext } from '../../context.ts';
import { createLoginLimiter } from '../../domain/auth/login-limiter.ts';
import { AppError, isAppError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';
import type { WebEnv } from '../env.ts';
import { httpStatus } from '../http-status.ts';
import { isHttps, SESSION_COOKIE } from '../middleware/session.ts';
import { LoginPage } from '../views/login-page.tsx';
import { loginWays, safeNext } from './auth.tsx';

/** Holds the signed state, nonce and PKCE verifier between the two halves of a sign-in. */
const PENDING_COOKIE = 'idphotos_oidc';

/**
 * `/login/oidc` sends the browser to the provider ("Sign in with Google"); the provider sends
 * it back to `/login/oidc/callback` (public_url + that path is the redirect URI to register).
 */
export function oidcRoutes(ctx: AppContext): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const log = createLogger('web').child({ area: 'oidc' });
  const oidc = ctx.auth.directories?.oidc;

  // NB: a signed-out client can repeat a refused callback for free (a GET, which any web page
  // can make a staff browser send too): past login_max_failures per address and window, the
  // refusals are counted into one audit entry per reason, as POST /login's are.
  const windowMs = ctx.config.web.login_window_seconds * 1000;
  const audited = createLoginLimiter({ maxFailures: ctx.config.web.login_max_failures, windowSeconds: ctx.config.web.login_window_seconds });

  const refusedPage = (c: Context<WebEnv>, err: AppError, next = '/') => {
    const ip = c.get('ip');
    const reason = String(err.details?.reason ?? err.code);
    const identity = typeof err.details?.identity === 'string' ? err.details.identity : '';
    const entry = { actor: identity || `(${oidc?.provider ?? 'oidc'} sign-in)`, action: 'signin.refused' as const, detail: `oidc: ${reason}`, ip };
    if (audited.retryAfter(ip) > 0) {
      ctx.audit.summarise(entry, windowMs);
      log.debug({ ip, reason }, 'sign-in refused');
    } else {
      audited.fail(ip);
      ctx.audit.record(entry);
      log.info({ ip, reason, identity: identity || undefined, cause: err.details?.cause }, 'sign-in refused');
    }
    if (err.details?.retryAfterSeconds) c.header('Retry-After', String(err.details.retryAfterSeconds));
    return c.html(<LoginPage next={next} error={err.message} {...loginWays(ctx)} />, httpStatus(err));
  };

  app.get('/', async (c) => {
    if (!oidc) throw new AppError('not_found', 'Single sign-on is not set up on this appliance.');
    const next = safeNext(c.req.query('next'));
    try {
      const { url, cookie } = await oidc.start(next);
      setCookie(c, PENDING_COOKIE, cookie, { path: '/login/oidc', httpOnly: true, sameSite: 'Lax', secure: isHttps(c), maxAge: 600 });
      return c.redirect(url, 303);
    } catch (err) {
      if (!isAppError(err)) throw err;
      return refusedPage(c, err, next);
    }
  });

  app.get('/callback', async (c) => {
    if (!oidc) throw new AppError('not_found', 'Single sign-on is not set up on this appliance.');
    const ip = c.get('ip');
    const query = new URL(c.req.url).search;
    const pending = getCookie(c, PENDING_COOKIE);
    // Used once, whatever happens next.
    deleteCookie(c, PENDING_COOKIE, { path: '/login/oidc', secure: isHttps(c) });
    try {
      const person = await oidc.finish(pending, query);
      const { token, user } = ctx.auth.openDirectorySession(person, { ip, userAgent: c.req.header('user-agent') ?? '' });
      setCookie(c, SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'Lax', secure: isHttps(c) });
      ctx.audit.record({ actor: user.username, action: 'signin', detail: 'oidc', ip });
      log.info({ user: user.username, role: user.role, ip }, 'signed in');
      return c.redirect(safeNext(person.next), 303);
    } catch (err) {
      if (!isAppError(err)) throw err;
      return refusedPage(c, err);
    }
  });

  return app;
}
