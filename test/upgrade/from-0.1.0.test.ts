// A data folder written by idphotos 0.1.0, the first release (test/fixtures/v0.1.0, made by
// scripts/fixtures/make-release-data.ts with that release's code), opened by this version.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadConfigFile } from '../../src/config/load.ts';
import { MIGRATIONS } from '../../src/storage/migrations/index.ts';
import { openDatabase } from '../../src/storage/db.ts';
import { VERSION } from '../../src/version.ts';
import { logs } from '../sftp/harness.ts';

const FIXTURE = resolve(import.meta.dirname, '../fixtures/v0.1.0');
const PASSWORD = readFileSync(join(FIXTURE, 'PASSWORD'), 'utf8').trim();
const RELEASED = ['001-users', '002-photos', '003-imports', '004-web', '005-devices', '006-session-credential', '007-photos-nocase', '008-audit-backups'];
/** Sign-ins of the fixture, long expired: every start removes them. */
const PURGED = new Set(['web_sessions']);

type Rows = Map<string, Map<number, Record<string, unknown>>>;

/** Every row of every table, by table and rowid. */
function allRows(dbPath: string): Rows {
  const db = openDatabase(dbPath, { readonly: true, migrate: false });
  try {
    const tables = db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").map((t) => t.name);
    // Tables added WITHOUT ROWID since 0.1.0 are keyed by their position instead (no 0.1.0 row lives there).
    const rowsOf = (t: string): [number, Record<string, unknown>][] => {
      const withoutRowid = /WITHOUT\s+ROWID/i.test(db.get<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = ?", t)?.sql ?? '');
      if (withoutRowid) return db.all<Record<string, unknown>>(`SELECT * FROM "${t}"`).map((row, i) => [i, row]);
      return db.all<Record<string, unknown>>(`SELECT rowid AS __rowid, * FROM "${t}"`).map(({ __rowid, ...row }) => [Number(__rowid), row]);
    };
    return new Map(tables.map((t) => [t, new Map(rowsOf(t))]));
  } finally {
    db.close();
  }
}

/** Rows of `before` missing from `after` or changed in it (columns added since are not compared). */
function lostOrChanged(before: Rows, after: Rows, skip: Set<string> = new Set()): string[] {
  const problems: string[] = [];
  for (const [table, rows] of before) {
    if (skip.has(table)) continue;
    const now = after.get(table);
    if (!now) {
      problems.push(`table ${table} is gone`);
      continue;
    }
    for (const [rowid, row] of rows) {
      const got = now.get(rowid);
      if (!got) problems.push(`${table} row ${rowid} is gone: ${JSON.stringify(row)}`);
      else for (const [col, value] of Object.entries(row)) if (got[col] !== value) problems.push(`${table} row ${rowid} ${col}: ${JSON.stringify(value)} became ${JSON.stringify(got[col])}`);
    }
  }
  return problems;
}

function copyFixture(): { dir: string; data: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'idphotos-upgrade-'));
  cpSync(FIXTURE, dir, { recursive: true });
  return { dir, data: join(dir, 'data'), config: join(dir, 'appliance.toml') };
}

describe('upgrading a data folder from idphotos 0.1.0', () => {
  it('backs it up into data_dir/backups first, then keeps every user, photo, version, import and audit row', async () => {
    const { data, config } = copyFixture();
    const before = allRows(join(data, 'idphotos.db'));
    // The fixture is what it should be: 0.1.0's migrations, and some of everything.
    expect([...before.get('schema_migrations')!.values()].map((r) => r.id)).toEqual(RELEASED);
    const count = (t: string) => before.get(t)!.size;
    expect({ users: count('users'), photo_versions: count('photo_versions'), photos: count('photos'), imports: count('imports'), audit_log: count('audit_log') }).toEqual({
      users: 6,
      photo_versions: 5,
      photos: 4,
      imports: 3,
      audit_log: 8,
    });

    const app = await createApp(loadConfigFile(config));
    const { webPort } = await app.start();
    try {
      // The upgraded appliance serves what 0.1.0 stored: sign in with the old hashes, open a profile and its photo.
      const base = `http://127.0.0.1:${webPort}`;
      const signin = await fetch(`${base}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
        body: new URLSearchParams({ username: 'admin', password: PASSWORD }).toString(),
      });
      expect(signin.status).toBe(303);
      const cookie = signin.headers.get('set-cookie')!.split(';')[0]!;
      const profile = await fetch(`${base}/users/S001`, { headers: { cookie } });
      expect(await profile.text()).toContain('Ångström');
      const photo = await fetch(`${base}/photos/S001`, { headers: { cookie } });
      expect(photo.status).toBe(200);
      expect(photo.headers.get('content-type')).toBe('image/jpeg');
      // The held import still waits for a decision, with its file.
      expect(app.ctx.roster.getImport(3)).toMatchObject({ status: 'held' });
      expect(existsSync(join(data, 'imports/held/3/students.csv'))).toBe(true);
    } finally {
      await app.stop(2000);
    }

    const after = allRows(join(data, 'idphotos.db'));
    expect(lostOrChanged(before, after, PURGED)).toEqual([]);
    const pending = MIGRATIONS.map((m) => m.id).filter((id) => !RELEASED.includes(id));
    expect(pending).toContain('013-upgrades');
    expect([...after.get('schema_migrations')!.values()].map((r) => r.id)).toEqual(MIGRATIONS.map((m) => m.id));

    // The backup: the 0.1.0 database as it was (every row, sign-ins too), and every photo file.
    const backups = readdirSync(join(data, 'backups'));
    expect(backups).toHaveLength(1);
    expect(backups[0]).toMatch(new RegExp(`^before-${VERSION.replace(/\./g, '\\.')}-\\d{4}-\\d\\d-\\d\\dT`));
    const backup = join(data, 'backups', backups[0]!);
    const saved = allRows(join(backup, 'idphotos.db'));
    expect([...saved.get('schema_migrations')!.values()].map((r) => r.id)).toEqual(RELEASED);
    expect(lostOrChanged(before, saved)).toEqual([]);
    expect(lostOrChanged(saved, before)).toEqual([]);
    for (const v of before.get('photo_versions')!.values()) {
      const sha = String(v.source_sha256);
      const rel = join('photos', 'sha256', sha.slice(0, 2), sha);
      expect(readFileSync(join(backup, rel)).equals(readFileSync(join(data, rel)))).toBe(true);
      // Linked, not copied: the backup costs no space for photos.
      expect(statSync(join(backup, rel)).ino).toBe(statSync(join(data, rel)).ino);
    }
    expect(readFileSync(join(backup, 'imports/held/3/students.csv')).equals(readFileSync(join(data, 'imports/held/3/students.csv')))).toBe(true);
    expect(existsSync(join(backup, 'ssh_host_ed25519_key'))).toBe(true);

    // Recorded: the upgrade, and the backup in the audit log (the status page's "last backup").
    expect([...after.get('upgrades')!.values()]).toEqual([expect.objectContaining({ version: VERSION, migrations: pending.join(','), backup: join('backups', backups[0]!) })]);
    const audit = [...after.get('audit_log')!.values()].filter((r) => r.actor === 'system:upgrade');
    expect(audit).toEqual([expect.objectContaining({ action: 'backup', detail: expect.stringContaining(`data_dir/backups/${backups[0]}: 6 users, 4 current photos`) })]);
    expect(logs.some((l) => String(l.msg).startsWith(`upgraded the database to idphotos ${VERSION}`))).toBe(true);

    // A second start has nothing to migrate: no second backup.
    const again = await createApp(loadConfigFile(config));
    await again.stop(0);
    expect(readdirSync(join(data, 'backups'))).toEqual(backups);
  }, 120_000);

  it('a backup that cannot be written stops the start and leaves the database as 0.1.0 wrote it', async () => {
    const { data, config } = copyFixture();
    writeFileSync(join(data, 'backups'), 'a file where the backups folder goes');
    await expect(createApp(loadConfigFile(config))).rejects.toThrow(/the backup before upgrading the database to idphotos .* failed, so nothing was changed/);
    const rows = allRows(join(data, 'idphotos.db'));
    expect([...rows.get('schema_migrations')!.values()].map((r) => r.id)).toEqual(RELEASED);
  });

  it('a start after failed ones keeps one backup of this version, not one per attempt (systemd restarts a failing start every few seconds)', async () => {
    const { data, config } = copyFixture();
    // An earlier start's backup (its migration failed) and a start cut off mid-backup (its process is gone).
    const earlier = `before-${VERSION}-2026-01-01T00-00-00-000Z`;
    mkdirSync(join(data, 'backups', earlier), { recursive: true });
    writeFileSync(join(data, 'backups', earlier, 'idphotos.db'), 'a copy of the database');
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    mkdirSync(join(data, 'backups', `before-${VERSION}-2026-01-01T00-00-05-000Z.partial-${gone}`));
    // A backup of another version is the admin's to keep.
    mkdirSync(join(data, 'backups', 'before-0.0.9-2025-01-01T00-00-00-000Z'));
    const app = await createApp(loadConfigFile(config));
    await app.stop(0);
    const left = readdirSync(join(data, 'backups')).sort();
    expect(left).toHaveLength(2);
    expect(left[0]).toBe('before-0.0.9-2025-01-01T00-00-00-000Z');
    expect(left[1]).toMatch(new RegExp(`^before-${VERSION.replace(/\./g, '\\.')}-\\d{4}-`));
    expect(left[1]).not.toBe(earlier);
    expect(existsSync(join(data, 'backups', left[1]!, 'idphotos.db'))).toBe(true);
  }, 120_000);

  it('a new data folder is created without a backup', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idphotos-new-'));
    writeFileSync(join(dir, 'appliance.toml'), 'data_dir = "data"\n');
    const app = await createApp(loadConfigFile(join(dir, 'appliance.toml')));
    await app.stop(0);
    expect(existsSync(join(dir, 'data', 'backups'))).toBe(false);
  });
});
