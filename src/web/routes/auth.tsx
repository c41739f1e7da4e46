import { Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { AppContext } from '../../context.ts';
import { createLogger } from '../../shared/logger.ts';
import { isAppError } from '../../shared/errors.ts';
import type { WebEnv } from '../env.ts';
import { httpStatus } from '../http-status.ts';
import { isHttps, SESSION_COOKIE, sessionToken } from '../middleware/session.ts';
import { LoginPage, SignOutPage } from '../views/login-page.tsx';

/** `/login` and `/logout`. POST /login takes form (or JSON) fields `username` and `password`. */
export function authRoutes(ctx: AppContext): Hono<WebEnv> {
  const app = new Hono<WebEnv>();
  const log = createLogger('web').child({ area: 'auth' });

  app.get('/login', (c) => {
    const next = safeNext(c.req.query('next'));
    if (c.get('user')) return c.redirect(next, 303);
    const notice = c.req.query('signed_out') !== undefined ? 'You are signed out.' : undefined;
    return c.html(<LoginPage next={next} notice={notice} {...loginWays(ctx)} />);
  });

  app.post('/login', async (c) => {
    const form = await readCredentials(c.req.raw.headers.get('content-type'), c.req);
    const next = safeNext(form.next);
    const ip = c.get('ip');
    try {
      const { token, user } = await ctx.auth.signIn(form.username, form.password, { ip, userAgent: c.req.header('user-agent') ?? '' });
      setCookie(c, SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'Lax', secure: isHttps(c) });
      ctx.audit.record({ actor: user.username, action: 'signin', detail: user.method === 'local' ? '' : user.method, ip });
      log.info({ user: user.username, ip }, 'signed in');
      return c.redirect(next, 303);
    } catch (err) {
      if (!isAppError(err)) throw err;
      const reason = String(err.details?.reason ?? err.code);
      // A directory names who it refused by DN; the typed name stays in the detail.
      const identity = typeof err.details?.identity === 'string' ? err.details.identity : '';
      const detail = identity ? `${reason} (typed "${form.username.slice(0, 64)}")` : reason;
      const actor = identity || form.username.slice(0, 64) || '(empty)';
      if (reason === 'rate_limited') {
        // Free for a signed-out client to repeat: counted, one entry per address per window.
        ctx.audit.summarise({ actor, action: 'signin.refused', detail, ip }, ctx.config.web.login_window_seconds * 1000);
        log.debug({ user: actor, ip, reason }, 'sign-in refused');
      } else {
        ctx.audit.record({ actor, action: 'signin.refused', detail, ip });
        log.info({ user: form.username.slice(0, 64), identity: identity || undefined, ip, reason, cause: err.details?.cause }, 'sign-in refused');
      }
      if (err.details?.retryAfterSeconds) c.header('Retry-After', String(err.details.retryAfterSeconds));
      return c.html(<LoginPage next={next} username={form.username} error={err.message} {...loginWays(ctx)} />, httpStatus(err));
    }
  });

  app.get('/logout', (c) => {
    const user = c.get('user');
    if (!user) return c.redirect('/login', 303);
    return c.html(<SignOutPage user={user} />);
  });

  app.post('/logout', (c) => {
    const user = c.get('user');
    ctx.auth.signOut(sessionToken(c.req.header('cookie')));
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isHttps(c) });
    if (user) {
      ctx.audit.record({ actor: user.username, action: 'signout', ip: c.get('ip') });
      log.info({ user: user.username, ip: c.get('ip') }, 'signed out');
    }
    return c.redirect('/login?signed_out', 303);
  });

  return app;
}

/** The ways in the sign-in page offers, and providers that failed lately. */
export function loginWays(ctx: AppContext): { oidcProvider: string | undefined; ldap: boolean; failures: { provider: string }[] } {
  const d = ctx.auth.directories;
  return { oidcProvider: d?.oidc?.provider, ldap: Boolean(d?.ldap), failures: d?.status.current() ?? [] };
}

/**
 * Only a path on this site: `//evil.example` or `https://…` would send people elsewhere.
 * NB: browsers drop tabs and line breaks from a Location, so `/\t/evil.example` is `//evil.example`;
 * control characters and backslashes are refused outright.
 */
export function safeNext(next: string | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || /[\u0000-\u001f\u007f\\]/.test(next) || next.startsWith('/login')) return '/';
  return next;
}

async function readCredentials(
  type: string | null,
  req: { parseBody(): Promise<Record<string, unknown>>; json(): Promise<unknown> },
): Promise<{ username: string; password: string; next: string | undefined }> {
  let body: Record<string, unknown> = {};
  try {
    body = type?.startsWith('application/json') ? ((await req.json()) as Record<string, unknown>) ?? {} : await req.parseBody();
  } catch {
    body = {};
  }
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  return { username: str(body.username).trim(), password: str(body.password), next: typeof body.next === 'string' ? body.next : undefined };
}
