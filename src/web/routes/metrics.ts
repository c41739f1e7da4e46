import { Hono } from 'hono';
import type { MetricsAccess } from '../../domain/metrics/access.ts';
import type { Metrics } from '../../domain/metrics/metrics.ts';
import { AppError } from '../../shared/errors.ts';
import type { WebEnv } from '../env.ts';
import { clientIp } from '../middleware/session.ts';

/** Headers a reverse proxy adds to what it forwards. */
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

/**
 * `GET /metrics`: Prometheus text format, for the sources in `metrics.allow` (loopback by
 * default) or a request with `Authorization: Bearer <metrics.token>`. Mounted in front of the
 * sign-in, since Prometheus has no session.
 */
export function metricsRoutes(metrics: Metrics, access: MetricsAccess): Hono<WebEnv> {
  return new Hono<WebEnv>().get('/', async (c) => {
    // NB: behind a reverse proxy on this machine (for HTTPS), every client arrives from
    // 127.0.0.1, the default metrics.allow: a request the proxy marks as forwarded is not local.
    const proxied = PROXY_HEADERS.some((h) => c.req.header(h) !== undefined);
    if (!access.allows(clientIp(c), c.req.header('authorization'), proxied)) {
      throw new AppError('forbidden', '/metrics is open to the addresses in metrics.allow, or with the metrics token as "Authorization: Bearer …"', { reason: 'metrics' });
    }
    c.header('Cache-Control', 'no-store');
    return c.body(await metrics.render(), 200, { 'Content-Type': metrics.contentType });
  });
}
