import { Hono } from 'hono';
import type { AppContext } from '../context.ts';
import { VERSION } from '../version.ts';

/** The web viewer and its JSON API; testable with `app.request()` and no socket. */
export function createWebApp(ctx: AppContext): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok', version: VERSION }));
  void ctx;
  return app;
}
