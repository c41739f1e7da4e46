import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { applianceToml } from '../../scripts/proof/lib/appliance-toml.ts';
import { createApp, type App } from '../../src/app.ts';
import { parseConfig } from '../../src/config/parse.ts';
import { createWebApp } from '../../src/web/app.ts';
import type { WebEnv } from '../../src/web/env.ts';
import { signInAs, type Session } from '../web/helpers.ts';

process.env.IDPHOTOS_LOG_LEVEL ??= 'silent';

export const PASSWORD = 'photo-test-pass-1';

export interface Site {
  app: App;
  web: Hono<WebEnv>;
  dir: string;
  close(): Promise<void>;
}

/** The real appliance on a temp data folder, with web accounts `admin` and `desk` (staff) and SFTP account `district`. */
export async function createSite(extraToml = ''): Promise<Site> {
  const dir = mkdtempSync(join(tmpdir(), 'idphotos-photo-site-'));
  const toml = await applianceToml({
    logLevel: 'silent',
    sftpAccounts: [{ username: 'district', password: PASSWORD }],
    webAccounts: [
      { username: 'admin', password: PASSWORD, role: 'admin' },
      { username: 'desk', password: PASSWORD, role: 'staff' },
    ],
    extraToml,
  });
  const app = await createApp(parseConfig(toml, '', dir));
  const web = createWebApp(app.ctx);
  return {
    app,
    web,
    dir,
    async close() {
      await app.stop(100);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type { Session };

/** Signs in like the browser form does and reads the CSRF token from the home page. */
export function signIn(web: Hono<WebEnv>, username: 'admin' | 'desk'): Promise<Session> {
  return signInAs(web, username, PASSWORD);
}
