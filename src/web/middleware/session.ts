import type { Context, MiddlewareHandler } from 'hono';
import type { Auth } from '../../domain/auth/auth.ts';
import type { WebEnv } from '../env.ts';

export const SESSION_COOKIE = 'idphotos_session';

/**
 * Puts the signed-in account (or undefined) and the client address on the context.
 * `publicUrl`: web.public_url; an https one means TLS ends at a reverse proxy in front.
 */
export function sessionLoader(auth: Auth, publicUrl = ''): MiddlewareHandler<WebEnv> {
  const behindTls = publicUrl.toLowerCase().startsWith('https:');
  return async function loadSession(c, next) {
    c.set('ip', clientIp(c));
    c.set('secureCookies', behindTls || c.req.url.startsWith('https:'));
    c.set('user', await auth.authenticate(sessionToken(c.req.header('cookie'))));
    await next();
  };
}

const PREFIX = `${SESSION_COOKIE}=`;

/**
 * The session cookie's value, or undefined. Our tokens are base64url, so no decoding is
 * needed. NB: hand-rolled because it runs on every request, thumbnails included, and a full
 * cookie parse was a measurable part of one.
 */
export function sessionToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const p = part.trimStart();
    if (p.startsWith(PREFIX)) return p.slice(PREFIX.length).trimEnd() || undefined;
  }
  return undefined;
}

/**
 * The socket's peer address. Forwarded-for headers are not trusted: the sign-in limit is per
 * address, and a client could pick any value it liked for them.
 */
export function clientIp(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return peerAddress(env?.incoming?.socket?.remoteAddress);
}

/** A socket's peer address as the audit and the sign-in limit name it (IPv4 without `::ffff:`). */
export function peerAddress(address: string | undefined): string {
  if (!address) return 'local';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * Secure cookies over TLS, here or at a reverse proxy (web.public_url https): a session cookie
 * without Secure goes out in the clear with any plain http:// request a browser is made to send
 * to the same host. Plain HTTP (a lab or localhost) could not send them back otherwise.
 */
export function isHttps(c: Context<WebEnv>): boolean {
  return c.get('secureCookies') ?? c.req.url.startsWith('https:');
}
