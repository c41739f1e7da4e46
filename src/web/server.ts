import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import type { WebEnv } from './env.ts';
import type { WebConfig } from '../config/schema.ts';
import { closeServer, listenOn } from '../shared/listen.ts';

export interface RunningServer {
  port: number;
  close(graceMs: number): Promise<void>;
}

/** Serves the Hono app over HTTP, or HTTPS when tls_cert and tls_key are set. */
export async function startWebServer(app: Hono<WebEnv>, config: WebConfig): Promise<RunningServer> {
  const tls = config.tls_cert
    ? { key: readFileSync(config.tls_key), cert: readFileSync(config.tls_cert) }
    : undefined;
  const server = createAdaptorServer({
    fetch: app.fetch,
    ...(tls ? { createServer: createHttpsServer, serverOptions: tls } : {}),
  }) as unknown as Server;
  const port = await listenOn(server, config.listen, 'web');
  return { port, close: (graceMs) => closeServer(server, graceMs) };
}
