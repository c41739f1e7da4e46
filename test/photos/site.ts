import type { Hono } from 'hono';
import type { App } from '../../src/app.ts';
import type { WebEnv } from '../../src/web/env.ts';
import { startRig } from '../rig.ts';
import { signInAs, type Session } from '../web/helpers.ts';

process.env.IDPHOTOS_LOG_LEVEL ??= 'silent';

export const PASSWORD = 'photo-test-pass-1';

export interface Site {
  app: App;
  web: Hono<WebEnv>;
  dir: string;
  close(): Promise<void>;
}

/** The real appliance on a temp data folder (test/rig.ts), with web accounts `admin` and `desk` (staff) and SFTP account `district`. */
export async function createSite(extraToml = ''): Promise<Site> {
  const rig = await startRig({
    prefix: 'idphotos-photo-site-',
    logLevel: 'silent',
    sftpAccounts: [{ username: 'district', password: PASSWORD }],
    webAccounts: [
      { username: 'admin', password: PASSWORD, role: 'admin' },
      { username: 'desk', password: PASSWORD, role: 'staff' },
    ],
    extraToml,
    stopGraceMs: 100,
  });
  return { app: rig.app, web: rig.web, dir: rig.dir, close: () => rig.close() };
}

export type { Session };

/** Signs in like the browser form does and reads the CSRF token from the home page. */
export function signIn(web: Hono<WebEnv>, username: 'admin' | 'desk'): Promise<Session> {
  return signInAs(web, username, PASSWORD);
}
