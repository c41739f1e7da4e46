import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import type { Hono } from 'hono';
import type { WebEnv } from './env.ts';
import type { WebConfig } from '../config/schema.ts';
import { closeServer, listenOn } from '../shared/listen.ts';
import { createLogger } from '../shared/logger.ts';

export interface RunningServer {
  port: number;
  close(graceMs: number): Promise<void>;
}

/**
 * Serves the Hono app over HTTP, or HTTPS when tls_cert and tls_key are set. `front`, when
 * given, sees each request first and hands the ones it does not answer to the app
 * (web/front.ts). `app` may be a function that makes the app: it is then made, with
 * @hono/node-server and the WHATWG fetch classes it builds on, at the first request the front
 * hands on, not at start (about 10 MiB and a fifth of the start-up, docs/BENCHMARKS.md).
 */
export async function startWebServer(
  app: Hono<WebEnv> | (() => Hono<WebEnv> | Promise<Hono<WebEnv>>),
  config: WebConfig,
  front?: (next: RequestListener) => RequestListener,
): Promise<RunningServer> {
  const chain = lazyListener(app);
  if (typeof app !== 'function') await chain.load();
  const listener = front ? front(chain.listener) : chain.listener;
  const server: Server = config.tls_cert
    ? createHttpsServer({ key: readFileSync(config.tls_key), cert: readFileSync(config.tls_cert) }, listener)
    : createHttpServer(listener);
  const port = await listenOn(server, config.listen, 'web');
  return { port, close: (graceMs) => closeServer(server, graceMs) };
}

/** The app's request listener, made once; requests that come while it is made wait for it. */
function lazyListener(app: Hono<WebEnv> | (() => Hono<WebEnv> | Promise<Hono<WebEnv>>)) {
  let ready: RequestListener | undefined;
  let making: Promise<RequestListener> | undefined;
  const load = (): Promise<RequestListener> =>
    (making ??= (async () => {
      const [{ getRequestListener }, hono] = await Promise.all([import('@hono/node-server'), typeof app === 'function' ? app() : app]);
      return (ready = getRequestListener(hono.fetch) as RequestListener);
    })());
  const listener: RequestListener = (req, res) => {
    if (ready) return ready(req, res);
    load().then(
      (l) => l(req, res),
      (err: unknown) => {
        createLogger('web').error({ err, method: req.method, path: req.url }, 'web request failed: the web viewer could not be loaded');
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
        res.end('The web viewer could not be loaded. Tell the district IT admin.');
      },
    );
  };
  return { listener, load };
}
