import type { MiddlewareHandler } from 'hono';

/**
 * Nothing but our own files may run or load: no inline script, no third-party origin, no
 * framing. Photos are student records, so pages are never stored by a shared browser's cache
 * (routes that want caching, like photos and assets, set their own Cache-Control).
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/**
 * Security headers on every response, and `Server-Timing: app;dur=…` (milliseconds spent in
 * the server, read by the benchmarks and visible in the browser's developer tools).
 * NB: images get only the headers that mean something for an image (nosniff, and
 * Cross-Origin-Resource-Policy so no other site can embed a student's photo): each header
 * set costs real time on the hottest path, a page of thumbnails.
 */
export function securityHeaders(): MiddlewareHandler {
  return async function securityHeaders(c, next) {
    const start = performance.now();
    await next();
    const h = c.res.headers;
    h.set('X-Content-Type-Options', 'nosniff');
    h.set('Cross-Origin-Resource-Policy', 'same-origin');
    if (h.get('content-type')?.startsWith('image/')) return;
    h.set('Content-Security-Policy', CSP);
    h.set('X-Frame-Options', 'DENY');
    // NB: not no-referrer: with it Chromium sends `Origin: null` on form posts, and the CSRF origin check needs the real one.
    h.set('Referrer-Policy', 'same-origin');
    h.set('Cross-Origin-Opener-Policy', 'same-origin');
    h.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
    if (c.req.url.startsWith('https:')) h.set('Strict-Transport-Security', 'max-age=31536000');
    if (!h.has('Cache-Control')) h.set('Cache-Control', 'no-store');
    h.set('Server-Timing', `app;dur=${(performance.now() - start).toFixed(2)}`);
  };
}
