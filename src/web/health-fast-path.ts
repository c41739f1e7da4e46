import type { RequestListener } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { VERSION } from '../version.ts';
import { HSTS, PAGE_HEADERS } from './middleware/security-headers.ts';
import { PLAIN_HOST } from './photo-fast-path.ts';

/**
 * `GET /healthz` answered straight from `node:http`, with the body and headers the app's route
 * and its security middleware give it (web/app.ts), and its time told to the metrics the same
 * way. Why: the app behind it (Hono, every route and view, and the WHATWG fetch classes
 * @hono/node-server builds on) is loaded at the first request that needs it (web/server.ts), so
 * an appliance that only answers health probes and SFTP never loads it: about 10 MiB of memory
 * and a fifth of the start-up (docs/BENCHMARKS.md).
 *
 * Anything else (another method, a query string, an odd Host the chain would refuse) goes to `next`.
 */
export function healthFastPath(observe: (seconds: number) => void, next: RequestListener): RequestListener {
  const body = Buffer.from(JSON.stringify({ status: 'ok', version: VERSION }));
  const plain = { 'content-type': 'application/json', 'cross-origin-resource-policy': 'same-origin', 'x-content-type-options': 'nosniff', ...PAGE_HEADERS, 'cache-control': 'no-store' };
  const secure = { ...plain, ...HSTS };
  return function healthRequest(req, res) {
    if (req.method !== 'GET' || req.url !== '/healthz') return next(req, res);
    const start = performance.now();
    const host = req.headers.host;
    if (host === undefined || !PLAIN_HOST.test(host)) return next(req, res);
    const headers = (req.socket as TLSSocket).encrypted ? secure : plain;
    const ms = performance.now() - start;
    res.writeHead(200, { ...headers, 'server-timing': `app;dur=${ms.toFixed(2)}`, 'Content-Length': body.length });
    res.end(body);
    observe(ms / 1000);
  };
}
