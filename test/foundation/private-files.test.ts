import { chmodSync, existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines, makeApplianceDir, startAppliance, type ApplianceDir } from '../../scripts/proof/lib/appliance.ts';
import { runProgram } from '../../scripts/proof/lib/run-program.ts';
import { connectSftp } from '../../scripts/proof/lib/sftp-client.ts';
import { sqliteJson } from '../../scripts/proof/lib/sqlite-cli.ts';

const BIN = resolve(import.meta.dirname, '../../bin/idphotos.js');

/** Every folder and file under `dir` (itself included) whose mode lets group or others in, with its mode. */
function widerThanOwner(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    const st = lstatSync(path);
    if ((st.mode & 0o077) !== 0) found.push(`${relative(dir, path) || '.'} ${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
  return found;
}

/** Every path under `dir`, to show that the check above looked at the kinds of files it claims. */
function allPaths(dir: string): string[] {
  const out: string[] = [];
  const walk = (path: string) => {
    out.push(relative(dir, path));
    if (lstatSync(path).isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
  return out;
}

const roster = (gen: number) =>
  Buffer.from(['Local ID,First Name,Last Name', ...Array.from({ length: 20 }, (_, i) => `P${String(i).padStart(3, '0')},Gen${gen},Private`)].join('\r\n') + '\r\n');

let app: ApplianceDir;
const umaskBefore = process.umask(0o022);

beforeAll(async () => {
  app = await makeApplianceDir({ prefix: 'idphotos-private-', extraToml: '[roster]\nquiet_seconds = 0\nhold_change_percent = 10\n' });
  // makeApplianceDir made the data folder under umask 022 already (0755): the start fixes it.
  chmodSync(app.dataDir, 0o755);
});
afterAll(() => void process.umask(umaskBefore));

describe('private by default', () => {
  it('under umask 022, data_dir is 0700 and the database, WAL, SHM, photos, host key and held import are 0600', async () => {
    const running = await startAppliance(app);
    try {
      const conn = await connectSftp(running.sftpPort, app.privateKey);
      await conn.upload('/incoming/data/students.csv', roster(0));
      const db = join(app.dataDir, 'idphotos.db');
      await expect.poll(() => sqliteJson(db, "SELECT id FROM imports WHERE status = 'applied'").length, { timeout: 30_000 }).toBe(1);
      // Every name changes: held, its file kept under imports/held/.
      await conn.upload('/incoming/data/students.csv', roster(1));
      await expect.poll(() => sqliteJson(db, "SELECT id FROM imports WHERE status = 'held'").length, { timeout: 30_000 }).toBe(1);
      const jpeg = await sharp({ create: { width: 300, height: 400, channels: 3, background: '#8a6' } }).jpeg().toBuffer();
      await conn.upload('/incoming/idphotos/P001.jpg', jpeg);
      await expect.poll(() => sqliteJson(db, 'SELECT local_id FROM photos').length, { timeout: 30_000 }).toBe(1);
      conn.end();
      // While it runs: the WAL and SHM files are there too.
      const paths = allPaths(app.dataDir);
      for (const expected of ['idphotos.db', 'idphotos.db-wal', 'idphotos.db-shm', 'ssh_host_ed25519_key']) expect(paths).toContain(expected);
      expect(paths.some((p) => p.startsWith('photos/sha256/'))).toBe(true);
      expect(paths.some((p) => p.startsWith('imports/held/') && p.endsWith('students.csv'))).toBe(true);
      expect(widerThanOwner(app.dataDir)).toEqual([]);
      expect(statSync(app.dataDir).mode & 0o777).toBe(0o700);
      // The data folder was 0755 before the start: fixed, and said so.
      const fixed = logLines(running.output()).find((l) => String(l.msg).startsWith('data_dir was readable by others'));
      expect(fixed).toMatchObject({ level: 'warn', folders: 1, files: 0 });
    } finally {
      await running.stop();
    }
    // A backup the CLI takes (under the same umask) is private too.
    const dest = join(app.dir, 'backup-1');
    const backup = await runProgram(process.execPath, [BIN, 'backup', dest, '--config', app.config]);
    expect(backup.code).toBe(0);
    expect(widerThanOwner(dest)).toEqual([]);
  }, 120_000);

  it('a start that finds files and folders others can read makes them private and logs how many', async () => {
    // By inode: a held import's file may be a hard link to the upload it holds.
    const opened = new Set<number>();
    const walk = (path: string) => {
      const st = lstatSync(path);
      if (st.isDirectory()) {
        chmodSync(path, 0o755);
        for (const name of readdirSync(path)) walk(join(path, name));
      } else if (st.isFile()) {
        chmodSync(path, 0o644);
        opened.add(st.ino);
      }
    };
    walk(app.dataDir);
    // A folder is itself by inode and birth time: a folder made anew may get the same inode number.
    const identity = (p: string) => {
      const st = lstatSync(join(app.dataDir, p));
      return `${st.ino}:${st.birthtimeMs}`;
    };
    const foldersBefore = new Map(allPaths(app.dataDir).filter((p) => lstatSync(join(app.dataDir, p)).isDirectory()).map((p) => [p, identity(p)]));
    const running = await startAppliance(app);
    try {
      // data_dir itself is closed before anything listens; the files in it are walked while serving.
      expect(statSync(app.dataDir).mode & 0o077).toBe(0);
      const fixedLine = () => logLines(running.output()).find((l) => String(l.msg).startsWith('data_dir was readable by others'));
      await expect.poll(fixedLine, { timeout: 60_000 }).toBeDefined();
      expect(widerThanOwner(app.dataDir)).toEqual([]);
      // The start removes a dead process's work and temp folders (or makes them anew, private)
      // before the walk gets there: those are not counted.
      const folders = [...foldersBefore].filter(([p, id]) => existsSync(join(app.dataDir, p)) && identity(p) === id).length;
      const fixed = fixedLine();
      expect(fixed).toMatchObject({ level: 'warn', folders, files: opened.size });
      expect((fixed!.examples as string[]).length).toBeGreaterThan(0);
    } finally {
      await running.stop();
    }
  }, 120_000);
});
