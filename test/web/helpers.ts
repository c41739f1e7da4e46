import type { Hono } from 'hono';
import type { App } from '../../src/app.ts';
import type { Db } from '../../src/storage/db.ts';
import type { WebEnv } from '../../src/web/env.ts';
import { startRig } from '../rig.ts';
import type { WebAccountSpec } from '../../scripts/proof/lib/appliance-toml.ts';

// Quiet logs in tests unless asked for; set before the first logger is made.
process.env.IDPHOTOS_LOG_LEVEL ??= 'warn';

export const PASSWORDS = { admin: 'admin-pass-1234', desk: 'desk-pass-5678' } as const;

/** The web accounts of a test site: an admin and a staff member at the front desk. */
export const SITE_ACCOUNTS: WebAccountSpec[] = [
  { username: 'admin', password: PASSWORDS.admin, role: 'admin' },
  { username: 'desk', password: PASSWORDS.desk, role: 'staff' },
];

export interface TestSite {
  app: App;
  web: Hono<WebEnv>;
  db: Db;
  dir: string;
  close(): Promise<void>;
}

/**
 * A real appliance (real SQLite in a temp folder) with an admin and a staff ("desk") account.
 * `extraToml` lands inside [web]: keys of that table first, then any whole tables.
 */
export async function createTestSite(extraToml = ''): Promise<TestSite> {
  const rig = await startRig({
    prefix: 'idphotos-web-',
    logLevel: 'silent',
    webToml: extraToml,
    webAccounts: SITE_ACCOUNTS,
    stopGraceMs: 100,
  });
  return { app: rig.app, web: rig.web, db: rig.db, dir: rig.dir, close: () => rig.close() };
}

export interface TestUser {
  local_id: string;
  first_name: string;
  last_name: string;
  middle_name?: string;
  role?: 'student' | 'staff';
  grade?: string;
  building?: string;
  email?: string;
  active?: 0 | 1;
}

/** Users arrive through roster imports; tests put them in the table directly. */
export function addUsers(db: Db, users: TestUser[]): void {
  const at = new Date().toISOString();
  db.tx(() => {
    for (const u of users) {
      db.run(
        `INSERT INTO users (local_id, first_name, last_name, middle_name, role, grade, building, email, active, source, created_at, updated_at, deactivated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'test', ?, ?, ?)`,
        u.local_id, u.first_name, u.last_name, u.middle_name ?? '', u.role ?? 'student', u.grade ?? '', u.building ?? '', u.email ?? '', u.active ?? 1, at, at,
        u.active === 0 ? at : null,
      );
    }
  });
}

export interface Session {
  cookie: string;
  csrf: string;
}

/** Signs in through POST /login like a browser form, and reads the CSRF token from a page. */
export async function signIn(web: Hono<WebEnv>, username: keyof typeof PASSWORDS): Promise<Session> {
  return signInAs(web, username, PASSWORDS[username]);
}

/** The same for any account and password (the SFTP harness and other test sites have their own). */
export async function signInAs(web: Hono<WebEnv>, username: string, password: string): Promise<Session> {
  const res = await web.request('/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password }).toString(),
  });
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const page = await (await web.request('/', { headers: { cookie } })).text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1];
  if (!csrf) throw new Error('no CSRF token on the home page');
  return { cookie, csrf };
}
