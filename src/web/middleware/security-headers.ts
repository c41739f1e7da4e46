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
 * What every response that is not an image gets besides the image headers (the fast path for
 * /healthz, web/health-fast-path.ts, writes the same). Lower case, as `Headers` sends them.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CSP,
  'x-frame-options': 'DENY',
  // NB: not no-referrer: with it Chromium sends `Origin: null` on form posts, and the CSRF origin check needs the real one.
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

/** Over HTTPS only. */
export const HSTS = { 'strict-transport-security': 'max-age=31536000' } as const;

/** The headers that mean something for an image; `imageResponse` sets them itself. */
const IMAGE_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Cross-Origin-Resource-Policy': 'same-origin' } as const;

/** Marks a response made by `imageResponse`: complete, so the middleware leaves it alone. */
const COMPLETE = Symbol('complete');

/**
 * An image response with its security headers already in place (nosniff, and
 * Cross-Origin-Resource-Policy so no other site can embed a student's photo).
 * NB: on the hottest path, a page of thumbnails, the headers stay a plain object all the way
 * to the socket: reading or setting `c.res.headers` in a middleware turns them into a `Headers`
 * instance, which cost more than the rest of the middleware together.
 */
export function imageResponse(body: Uint8Array<ArrayBuffer> | null, status: 200 | 304, headers: Record<string, string>): Response {
  headers['X-Content-Type-Options'] = IMAGE_HEADERS['X-Content-Type-Options'];
  headers['Cross-Origin-Resource-Policy'] = IMAGE_HEADERS['Cross-Origin-Resource-Policy'];
  const res = new Response(body, { status, headers });
  (res as Response & { [COMPLETE]?: true })[COMPLETE] = true;
  return res;
}

/**
 * Security headers on every response, and `Server-Timing: app;dur=…` (milliseconds spent in
 * the server, read by the benchmarks and visible in the browser's developer tools).
 * Images get only the headers that mean something for an image (see `imageResponse`).
 * `timed` is told each request's duration in seconds (the metrics' latency histogram).
 * NB: told here, by the first middleware, rather than by one of its own: on the image path
 * another async layer and clock reading cost as much as the histogram's observe.
 */
export function securityHeaders(timed?: (seconds: number) => void): MiddlewareHandler {
  return async function securityHeaders(c, next) {
    const start = performance.now();
    await next();
    if ((c.res as Response & { [COMPLETE]?: true })[COMPLETE]) {
      timed?.((performance.now() - start) / 1000);
      return;
    }
    const h = c.res.headers;
    h.set('X-Content-Type-Options', IMAGE_HEADERS['X-Content-Type-Options']);
    h.set('Cross-Origin-Resource-Policy', IMAGE_HEADERS['Cross-Origin-Resource-Policy']);
    if (h.get('content-type')?.startsWith('image/')) {
      timed?.((performance.now() - start) / 1000);
      return;
    }
    for (const name in PAGE_HEADERS) h.set(name, PAGE_HEADERS[name]!);
    if (c.req.url.startsWith('https:')) h.set('strict-transport-security', HSTS['strict-transport-security']);
    if (!h.has('Cache-Control')) h.set('Cache-Control', 'no-store');
    const ms = performance.now() - start;
    h.set('Server-Timing', `app;dur=${ms.toFixed(2)}`);
    timed?.(ms / 1000);
  };
}
