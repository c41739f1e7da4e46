import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import type { WebEnv } from './env.ts';
import type { WebConfig } from '../config/schema.ts';
import { closeServer, listenOn } from '../shared/listen.ts';

export interface RunningServer {
  port: number;
  close(graceMs: number): Promise<void>;
}

/**
 * Serves the Hono app over HTTP, or HTTPS when tls_cert and tls_key are set. `front`, when
 * given, sees each request first and hands the ones it does not answer to the app
 * (web/photo-fast-path.ts).
 */
export async function startWebServer(app: Hono<WebEnv>, config: WebConfig, front?: (next: RequestListener) => RequestListener): Promise<RunningServer> {
  const hono = getRequestListener(app.fetch) as RequestListener;
  const listener = front ? front(hono) : hono;
  const server: Server = config.tls_cert
    ? createHttpsServer({ key: readFileSync(config.tls_key), cert: readFileSync(config.tls_cert) }, listener)
    : createHttpServer(listener);
  const port = await listenOn(server, config.listen, 'web');
  return { port, close: (graceMs) => closeServer(server, graceMs) };
}
