/**
 * Exercises src/storage/db.ts on whichever driver this runtime picks and prints one JSON line:
 * pragmas, transaction semantics and error codes. db.test.ts runs it under Node (better-sqlite3)
 * and under Deno (node:sqlite) and expects the same line from both.
 *   node --import tsx test/deno/db-probe.ts DIR      deno run -A test/deno/db-probe.ts DIR
 */
import { join } from 'node:path';
import { DRIVER, openDatabase, type Db } from '../../src/storage/db.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: db-probe.ts DIR');
const pragma = (db: Db, name: string) => Object.values(db.get<Record<string, unknown>>(`PRAGMA ${name}`)!)[0];
const codeOf = (fn: () => unknown): string => {
  try {
    fn();
    return 'no error';
  } catch (err) {
    return String((err as { code?: string }).code ?? (err as Error).name);
  }
};

const path = join(dir, 'probe.db');
const db = openDatabase(path);
const out: Record<string, unknown> = {};
out.pragmas = ['journal_mode', 'synchronous', 'foreign_keys', 'busy_timeout', 'cache_size'].map((p) => pragma(db, p));
db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, parent INTEGER REFERENCES t(id))');
db.run('DELETE FROM t');

// Durable and non-durable commits: the safety level is NORMAL only inside a `durable: false` one.
out.syncInside = db.tx(() => pragma(db, 'synchronous'), { durable: false });
out.syncAfter = pragma(db, 'synchronous');
// A nested call joins the outer transaction as a savepoint: its rollback leaves the outer work.
db.tx(() => {
  db.run('INSERT INTO t (name) VALUES (?)', 'outer');
  try {
    db.tx(() => {
      db.run('INSERT INTO t (name) VALUES (@name)', { name: 'inner', unused: 1 });
      throw new Error('undo inner');
    });
  } catch {
    // expected
  }
  db.tx(() => db.run('INSERT INTO t (name) VALUES (?)', 'kept'), { durable: false });
});
out.afterSavepoint = db.all<{ name: string }>('SELECT name FROM t ORDER BY id').map((r) => r.name);
out.rollback = codeOf(() => db.tx(() => {
  db.run('INSERT INTO t (name) VALUES (?)', 'gone');
  throw Object.assign(new Error('stop'), { code: 'MINE' });
}));
out.afterRollback = db.all<{ name: string }>('SELECT name FROM t ORDER BY id').map((r) => r.name);
out.promise = codeOf(() => db.tx(() => Promise.resolve(1) as unknown as number));
out.insert = db.run('INSERT INTO t (name) VALUES (?)', 'x');
out.iterate = [...db.iterate<{ name: string }>('SELECT name FROM t ORDER BY id')].map((r) => r.name);
out.unique = codeOf(() => db.run('INSERT INTO t (name) VALUES (?)', 'x'));
out.foreignKey = codeOf(() => db.run('INSERT INTO t (name, parent) VALUES (?, ?)', 'orphan', 999));

// Busy: another connection holds the write lock past its busy timeout.
const other = openDatabase(path, { migrate: false });
other.exec('PRAGMA busy_timeout = 50');
out.busy = codeOf(() => db.tx(() => other.tx(() => other.run('INSERT INTO t (name) VALUES (?)', 'other')), { immediate: true }));
other.close();

// Read-only: a write on a database opened read-only.
const ro = openDatabase(path, { readonly: true });
out.readonly = [codeOf(() => ro.run('INSERT INTO t (name) VALUES (?)', 'ro')), codeOf(() => ro.exec("INSERT INTO t (name) VALUES ('ro')"))];
ro.close();

// Full disk: the database may not grow past its page limit (SQLite's own SQLITE_FULL path).
const full = openDatabase(join(dir, 'full.db'), { migrate: false });
full.exec('CREATE TABLE IF NOT EXISTS big (b TEXT)');
const pages = Number(pragma(full, 'page_count'));
full.exec(`PRAGMA max_page_count = ${pages + 2}`);
out.full = [
  codeOf(() => full.tx(() => { for (let i = 0; i < 100; i++) full.run('INSERT INTO big VALUES (?)', 'y'.repeat(4000)); })),
  codeOf(() => full.exec(`INSERT INTO big VALUES ('${'z'.repeat(20000)}')`)),
];
full.close();
db.close();
process.stdout.write(`${JSON.stringify({ driver: DRIVER, ...out })}\n`);
