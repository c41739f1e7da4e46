import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RosterService } from '../../src/domain/roster/service.ts';
import { createLogger } from '../../src/shared/logger.ts';
import { databaseOf, openStorage, type Storage } from '../../src/storage/index.ts';
import { parseConfig } from '../../src/config/parse.ts';
import { makeEnv, numbered, students, type Env } from './helpers.ts';

let env: Env;
const extra: Storage[] = [];
afterEach(() => {
  for (const s of extra.splice(0)) s.close();
  env?.close();
});

const importStudents = (rows: string[][]) => env.roster.importFile({ path: env.file('students.csv', students(rows)), origin: 'test' });

/** What a start-up after a crash sees: the same data folder, a new connection and a new service. */
function restart(): { storage: Storage; roster: RosterService } {
  const storage = openStorage(join(env.dir, 'idphotos.db'));
  extra.push(storage);
  return { storage, roster: new RosterService({ storage, config: env.config.roster, dataDir: env.dir, log: createLogger('roster-test') }) };
}

function applying(): string[] {
  const dir = join(env.dir, 'imports', 'applying');
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe('a large roster import shares the appliance', () => {
  it('lets the event loop turn and other connections write between its chunks, with the roster filling in steps', async () => {
    env = makeEnv();
    const ROWS = 40_000;
    const path = env.file('students.csv', students(numbered(ROWS)));
    // Another writer (a CLI command, or the appliance's own sessions and audit lines) that never
    // waits for the write lock: any write while the import holds it fails at once with SQLITE_BUSY.
    const other = openStorage(join(env.dir, 'idphotos.db'));
    extra.push(other);
    const otherDb = databaseOf(other);
    otherDb.exec('PRAGMA busy_timeout = 0; CREATE TABLE probe (n INTEGER NOT NULL)');
    let running = true;
    let turns = 0;
    let busy = 0;
    const seen = new Set<number>();
    // What the import history says while the roster fills in (the admin's imports page).
    const statuses = new Set<string>();
    const probe = (async () => {
      while (running) {
        await new Promise((r) => setImmediate(r));
        turns++;
        const n = env.count();
        seen.add(n);
        if (n > 0 && n < ROWS) statuses.add(env.roster.listImports()[0]!.status);
        try {
          otherDb.run('INSERT INTO probe (n) VALUES (?)', turns);
        } catch (err) {
          if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) busy++;
          else throw err;
        }
      }
    })();
    const rec = await env.roster.importFile({ path, origin: 'test' });
    running = false;
    await probe;
    expect(rec).toMatchObject({ status: 'applied', added: ROWS });
    expect(env.count()).toBe(ROWS);
    // The users were written in several transactions, each seen from between two of them
    // (one big transaction shows 0 and then every row, nothing in between).
    const partial = [...seen].filter((n) => n > 0 && n < ROWS);
    expect(partial.length).toBeGreaterThan(1);
    expect(busy).toBe(0);
    // Undecided until the last row: in progress, never shown as refused (or applied) meanwhile.
    expect([...statuses]).toEqual(['in_progress']);
    expect(env.roster.listImports()[0]!.status).toBe('applied');
    expect(otherDb.get<{ n: number }>('SELECT count(*) AS n FROM probe')!.n).toBe(turns);
    // It checkpointed the WAL itself (fsyncs off the event loop) and gave SQLite's automatic
    // checkpoint back to the connection; the database is whole.
    expect(env.db.get<{ wal_autocheckpoint: number }>('PRAGMA wal_autocheckpoint')!.wal_autocheckpoint).toBe(1000);
    expect(env.db.get<{ integrity_check: string }>('PRAGMA integrity_check')!.integrity_check).toBe('ok');
    // The staged rows are gone once applied.
    expect(applying()).toEqual([]);
    expect(readdirSync(join(env.dir, 'imports', 'work'))).toEqual([]);
  });
});

describe('two importers on one data folder (the server and a CLI import)', () => {
  it('run one after the other: the second plans against the whole roster the first wrote', async () => {
    env = makeEnv();
    const ROWS = 20_000;
    // A second connection and service over the same data folder, as a CLI process has.
    const cli = restart();
    const changed = numbered(ROWS);
    changed[0]![4] = '06';
    const [first, second] = await Promise.all([
      importStudents(numbered(ROWS)),
      cli.roster.importFile({ path: env.file('students-next.csv', students(changed)), file: 'students.csv', origin: 'cli' }),
    ]);
    expect(first).toMatchObject({ status: 'applied', added: ROWS });
    // Interleaved, it would have found part of the roster missing and added it again.
    expect(second).toMatchObject({ status: 'applied', added: 0, updated: 1, unchanged: ROWS - 1 });
    expect(second.id).toBeGreaterThan(first.id);
  });
});

describe('an accepted import a crash cut off', () => {
  // The apply is cut off by a trigger on one user near the end, as a kill -9 would cut it:
  // the transactions before it are committed, the promise to finish is in roster_applies.
  const cutAt = (localId: string) => env.db.exec(`CREATE TEMP TRIGGER cut_off BEFORE UPDATE ON users WHEN NEW.local_id = '${localId}' BEGIN SELECT RAISE(ABORT, 'cut off'); END`);

  it('is finished by the next start from its staged rows, each person listed once', async () => {
    env = makeEnv('[roster]\nhold_change_percent = 100\n');
    const ROWS = 20_000;
    await importStudents(numbered(ROWS));
    cutAt('S19900');
    await expect(importStudents(numbered(ROWS, 1, '06'))).rejects.toThrow(/cut off/);
    // Part of the roster was written before the cut (the apply commits in steps) ...
    const written = env.count("grade = '06'");
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(ROWS);
    expect(env.db.all('SELECT import_id FROM roster_applies')).toHaveLength(1);
    expect(applying()).toHaveLength(1);

    // ... and the next start finishes it before anyone reads the roster.
    const next = restart();
    await next.roster.resume();
    const [last] = next.roster.listImports();
    expect(last).toMatchObject({ status: 'applied', reason: '', updated: ROWS, unchanged: 0, added: 0 });
    expect(env.count("grade = '06'")).toBe(ROWS);
    expect(next.roster.changes(last!.id).counts).toEqual({ added: 0, changed: ROWS, deactivated: 0, reactivated: 0 });
    expect(env.db.all('SELECT import_id FROM roster_applies')).toEqual([]);
    expect(applying()).toEqual([]);
    // Finishing again is harmless (nothing pending).
    await next.roster.resume();
    expect(env.count("grade = '06'")).toBe(ROWS);
  });

  it('an approved held import cut off while applied is finished as approved, and its held file goes', async () => {
    env = makeEnv();
    const ROWS = 20_000;
    await importStudents(numbered(ROWS));
    const held = await importStudents(numbered(ROWS, 1, '06'));
    expect(held.status).toBe('held');
    cutAt('S19900');
    await expect(env.roster.approve(held.id, 'admin')).rejects.toThrow(/cut off/);
    expect(env.count("grade = '06'")).toBeGreaterThan(0);

    const next = restart();
    await next.roster.resume();
    expect(next.roster.getImport(held.id)).toMatchObject({ status: 'applied', decided_by: 'admin', updated: ROWS });
    expect(env.count("grade = '06'")).toBe(ROWS);
    expect(existsSync(join(env.dir, 'imports', 'held', String(held.id)))).toBe(false);
  });

  it('one cut off before it was accepted changes nothing: the old roster stays, and a start drops what it left', async () => {
    env = makeEnv('[roster]\nhold_change_percent = 100\n');
    const ROWS = 5_000;
    const first = await importStudents(numbered(ROWS));
    env.db.exec("CREATE TEMP TRIGGER cut_off BEFORE INSERT ON roster_applies BEGIN SELECT RAISE(ABORT, 'cut off'); END");
    await expect(importStudents(numbered(ROWS, 1, '06'))).rejects.toThrow(/cut off/);
    expect(env.count("grade = '05'")).toBe(ROWS);
    expect(env.roster.listImports().map((r) => r.id)).toEqual([first.id]);
    // The staged rows were moved before the commit that failed; the start removes them.
    expect(applying()).toHaveLength(1);
    const next = restart();
    await next.roster.resume();
    expect(applying()).toEqual([]);
    expect(env.count("grade = '05'")).toBe(ROWS);
  });

  it('an import recorded as in progress with no promise behind it (killed while listing a hold) is dropped at start', async () => {
    env = makeEnv();
    await importStudents(numbered(100));
    const id = env.storage.imports.insertImport({ file: 'students.csv', source: 'students.csv', kind: 'students', origin: 'test', sha256: 'x', bytes: 1, status: 'in_progress', received_at: new Date().toISOString() });
    env.storage.importChanges.appendChanges(id, [{ kind: 'changed', local_id: 'S00001', role: 'student', name: 'A B', grade: '05', building: '', fields: [] }], 0);
    const next = restart();
    await next.roster.resume();
    expect(next.roster.listImports().map((r) => r.status)).toEqual(['applied']);
    expect(env.db.get<{ n: number }>('SELECT count(*) AS n FROM import_changes WHERE import_id = ?', id)!.n).toBe(0);
  });
});

describe('the disk of the data folder filling up while a roster is staged', () => {
  // NB: a size-limited tmpfs as the data folder needs root, as test/proof/full-disk does.
  it.skipIf(process.getuid?.() !== 0)('refuses the import with the reason, keeps the old roster, leaves no staged rows, and imports again once there is room', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'idphotos-roster-full-'));
    const outside = mkdtempSync(join(tmpdir(), 'idphotos-roster-files-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m,mode=0700', 'tmpfs', dataDir]);
    let storage: Storage | undefined;
    try {
      const config = parseConfig('[roster]\nhold_change_percent = 100\n', '', dataDir);
      storage = openStorage(join(dataDir, 'idphotos.db'));
      const roster = new RosterService({ storage, config: config.roster, dataDir, log: createLogger('roster-test') });
      const file = (rows: string[][]) => {
        const path = join(outside, 'students.csv');
        writeFileSync(path, students(rows));
        return path;
      };
      expect(await roster.importFile({ path: file(numbered(100)), origin: 'test' })).toMatchObject({ status: 'applied', added: 100 });
      // ≈ 4.3 MB: its work copy fits, its staged rows (≈ 1.6 times the file) do not.
      const big = await roster.importFile({ path: file(numbered(60_000, 1, '06')), origin: 'test' });
      expect(big.status).toBe('refused');
      expect(big.reason).toMatch(/^the disk of the data folder is full: .*nothing changed: free space, then upload it again$/);
      const db = databaseOf(storage);
      expect(db.get<{ n: number }>("SELECT count(*) AS n FROM users WHERE grade = '05'")!.n).toBe(100);
      expect(db.get<{ n: number }>('SELECT count(*) AS n FROM users')!.n).toBe(100);
      expect(readdirSync(join(dataDir, 'imports', 'work'))).toEqual([]);
      expect(existsSync(join(dataDir, 'imports', 'applying')) ? readdirSync(join(dataDir, 'imports', 'applying')) : []).toEqual([]);
      // A file that fits is imported as usual.
      expect(await roster.importFile({ path: file(numbered(1_000, 1, '07')), origin: 'test' })).toMatchObject({ status: 'applied', added: 900, updated: 100 });
    } finally {
      storage?.close();
      execFileSync('umount', [dataDir]);
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

afterEach(() => {
  // A failed test may leave the data folder behind when env.close was not reached.
  if (env && existsSync(env.dir)) rmSync(env.dir, { recursive: true, force: true });
});
