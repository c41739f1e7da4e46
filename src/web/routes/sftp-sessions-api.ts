import { Hono } from 'hono';
import type { AppContext } from '../../context.ts';
import type { WebEnv } from '../env.ts';

/**
 * `GET /api/sftp-sessions` (admins only; the guard is in web/app.ts): the SFTP connections
 * signed in now, `{ count, sessions: [{ account, ip, since }] }`, the oldest first.
 */
export function sftpSessionsApiRoutes(ctx: AppContext): Hono<WebEnv> {
  return new Hono<WebEnv>().get('/', (c) => {
    const sessions = ctx.sftpSessions.list();
    return c.json({ count: sessions.length, sessions });
  });
}
