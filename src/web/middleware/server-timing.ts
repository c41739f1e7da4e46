import type { MiddlewareHandler } from 'hono';

/**
 * `Server-Timing: app;dur=1.23`: the time the server spent on a request, in milliseconds,
 * visible in the browser's developer tools and read by the benchmarks (bench/web-*.ts).
 */
export function serverTiming(): MiddlewareHandler {
  return async function serverTiming(c, next) {
    const start = performance.now();
    await next();
    c.res.headers.set('Server-Timing', `app;dur=${(performance.now() - start).toFixed(2)}`);
  };
}
