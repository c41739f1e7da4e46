import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines, makeApplianceDir, startAppliance, PASSWORD, WEB_ADMIN, type ApplianceDir, type Running } from '../../scripts/proof/lib/appliance.ts';
import { seededJpeg, sha256 } from '../../scripts/proof/lib/fixtures.ts';
import { runProgram } from '../../scripts/proof/lib/run-program.ts';
import { opensshBatch } from '../../scripts/proof/lib/sftp-client.ts';
import { databaseProblems, sqliteJson } from '../../scripts/proof/lib/sqlite-cli.ts';
import { signIn, type WebSession } from '../../scripts/proof/lib/web-client.ts';
import { requireProgram } from '../programs.ts';
import { denoBinary, ROOT } from './tools.ts';

/**
 * The appliance under Deno 2, end to end: `deno run -A src/cli.ts serve` with real clients
 * (OpenSSH sftp, HTTP), the CLI under Deno beside it, and a clean stop that loses nothing. What
 * it checks afterwards it reads with the sqlite3 tool, not through the code under test.
 */
const STUDENTS = Array.from({ length: 10 }, (_, i) => `S${i + 1}`);
const roster = (ids: readonly string[]) => `Local ID,First Name,Last Name,Grade,Building\r\n${ids.map((id, i) => `${id},Deno${id},Student${i},9,HS`).join('\r\n')}\r\n`;

let deno: string;
let dir: ApplianceDir;
let app: Running;
let work: string;
let admin: WebSession;
const photos = new Map<string, Buffer>();

const cli = (...args: string[]) => runProgram(deno, ['run', '-A', join(ROOT, 'src/cli.ts'), ...args, '--config', dir.config], { cwd: dir.dir, timeoutMs: 90_000 });
const sftp = async (commands: string[]) => {
  const r = await opensshBatch(app.sftpPort, dir.keyFile, commands, { cwd: work, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`sftp failed (${r.code}): ${r.stderr}${r.stdout}`);
};
const until = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};
type Import = { id: number; file: string; status: string; reason: string; added: number; deactivated: number };
const importAfter = (after: number) =>
  until(`an import after ${after}`, async () => (await admin.json<Import[]>('/api/imports?limit=5')).find((r) => r.id > after && r.status !== 'refused' && r.status !== 'in_progress'));

beforeAll(async () => {
  deno = denoBinary();
  for (const tool of ['sftp', 'ssh-keygen', 'sqlite3']) requireProgram(tool);
  dir = await makeApplianceDir({ prefix: 'idphotos-deno-', extraToml: '[roster]\nquiet_seconds = 0\ndeactivate_missing = ["students"]\n' });
  work = mkdtempSync(join(tmpdir(), 'idphotos-deno-files-'));
  app = await startAppliance(dir, { deno, timeoutMs: 90_000 });
  admin = await signIn(`http://127.0.0.1:${app.webPort}`, WEB_ADMIN, PASSWORD);
});

afterAll(async () => {
  if (app && app.child.exitCode === null && app.child.signalCode === null) await app.kill9();
  for (const d of [dir?.dir, work]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('the appliance under Deno (deno run -A src/cli.ts serve)', () => {
  it('runs under Deno with the node:sqlite driver', () => {
    const start = logLines(app.output()).find((l) => l.msg === 'starting idphotos');
    expect(start).toMatchObject({ runtime: expect.stringMatching(/^deno 2\./), sqlite: 'node:sqlite' });
  });

  it('imports a roster CSV and stores photos uploaded with OpenSSH sftp', async () => {
    writeFileSync(join(work, 'students.csv'), roster(STUDENTS));
    writeFileSync(join(work, 'devices.csv'), 'Asset Tag,Serial Number,Model\r\nA100,SN100,Chromebook 11\r\n');
    for (const [i, id] of ['S1', 'S2'].entries()) {
      const jpeg = await seededJpeg(i + 1);
      photos.set(id, jpeg);
      writeFileSync(join(work, `${id}.jpg`), jpeg);
    }
    await sftp(['cd /incoming/data', 'put students.csv']);
    const first = await importAfter(0);
    expect(first).toMatchObject({ file: 'students.csv', status: 'applied', added: 10 });
    await sftp(['cd /incoming/data', 'put devices.csv', 'cd /incoming/idphotos', 'put S1.jpg', 'put S2.jpg']);
    expect(await importAfter(first.id)).toMatchObject({ file: 'devices.csv', status: 'applied', added: 1 });
  });

  it('signs in, searches, shows a profile and serves the photo whose bytes were uploaded', async () => {
    const search = await (await admin.get('/search?q=DenoS1')).text();
    expect(search).toContain('/users/S1');
    const profile = await admin.get('/users/S1');
    expect(profile.status).toBe(200);
    expect(await profile.text()).toContain('DenoS1');
    // NB: the upload is acknowledged once stored and current; its display images follow (or are made when asked for).
    const current = async () => (await admin.json<{ local_id: string; photo: { source_sha256: string } | null }>('/api/users/S1')).photo?.source_sha256;
    expect(await current()).toBe(sha256(photos.get('S1')!));
    const image = await admin.get('/photos/S1?size=full');
    expect(image.status).toBe(200);
    expect(image.headers.get('x-photo')).toBeNull();
    const meta = await sharp(Buffer.from(await image.arrayBuffer())).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.width).toBeGreaterThan(0);
    // The bytes as uploaded are what the store keeps (content-addressed by their sha256).
    const kept = sqliteJson<{ n: number }>(join(dir.dataDir, 'idphotos.db'), `SELECT count(*) AS n FROM photo_versions WHERE source_sha256 = '${sha256(photos.get('S1')!)}'`);
    expect(kept[0]!.n).toBe(1);
  });

  it('checks a device out at the desk', async () => {
    const res = await admin.get('/checkout', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: admin.base },
      body: new URLSearchParams({ mode: 'out', asset_tag: 'A100', local_id: 'S1', _csrf: admin.csrf }).toString(),
    });
    expect(res.status).toBe(303);
    const page = await (await admin.get('/devices/A100')).text();
    expect(page).toContain('S1');
  });

  it('holds a roster that would deactivate most students, and the CLI under Deno approves it', async () => {
    const before = (await admin.json<Import[]>('/api/imports?limit=1'))[0]!.id;
    writeFileSync(join(work, 'students.csv'), roster(STUDENTS.slice(0, 3)));
    await sftp(['cd /incoming/data', 'put students.csv']);
    const held = await importAfter(before);
    expect(held.status).toBe('held');
    const approved = await cli('imports', 'approve', String(held.id));
    expect(approved.stderr).not.toMatch(/error/i);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain(`import ${held.id} students.csv`);
    expect(approved.stdout).toContain('applied');
    expect(await admin.json<Import>(`/api/imports/${held.id}`)).toMatchObject({ status: 'applied', deactivated: 7 });
  });

  it('writes a backup from the CLI under Deno while the appliance runs', async () => {
    const dest = join(work, 'backup');
    const r = await cli('backup', dest);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('10 users, 2 current photos');
    expect(databaseProblems(join(dest, 'idphotos.db'))).toEqual([]);
    expect(sqliteJson<{ n: number }>(join(dest, 'idphotos.db'), 'SELECT count(*) AS n FROM users WHERE active = 1')[0]!.n).toBe(3);
  });

  it('stops on SIGTERM with exit code 0 and loses nothing', async () => {
    const { code, signal } = await app.stop();
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    const db = join(dir.dataDir, 'idphotos.db');
    expect(databaseProblems(db)).toEqual([]);
    const one = <T>(sql: string) => sqliteJson<T>(db, sql)[0]!;
    expect(one<{ n: number }>('SELECT count(*) AS n FROM users')).toEqual({ n: 10 });
    expect(one<{ n: number }>('SELECT count(*) AS n FROM photos')).toEqual({ n: 2 });
    expect(one('SELECT local_id, checked_in_at FROM device_loans WHERE asset_tag = \'A100\'')).toEqual({ local_id: 'S1', checked_in_at: null });
    // The audit log is buffered in memory for a second: the stop must have written it.
    expect(one<{ n: number }>("SELECT count(*) AS n FROM audit_log WHERE action = 'profile.view' AND local_id = 'S1'").n).toBeGreaterThan(0);
    expect(one<{ n: number }>("SELECT count(*) AS n FROM audit_log WHERE action = 'backup'").n).toBe(1);
    expect(sqliteJson<{ status: string }>(db, 'SELECT status FROM imports ORDER BY id').map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
  });
});
