import { openBetterSqlite3 } from './driver-better-sqlite3.ts';
import { openNodeSqlite } from './driver-node-sqlite.ts';
import type { Driver, DriverStatement } from './driver.ts';
import { syncFile } from './files.ts';
import { createGroupSync } from './group-commit.ts';
import { MIGRATIONS, type Migration } from './migrations/index.ts';

/**
 * The database seam. Everything above storage sees stores; storage sees `Db`, which two drivers
 * provide: better-sqlite3 under Node, `node:sqlite` under Deno (chosen once, by the runtime),
 * with the same pragmas, transactions and error codes. Only the driver modules touch a binding.
 */
export type SqlValue = string | number | bigint | null | Uint8Array;
export type SqlParams = SqlValue[] | [Record<string, SqlValue>];

export interface Db {
  readonly path: string;
  exec(sql: string): void;
  run(sql: string, ...params: SqlParams): { changes: number; lastInsertRowid: number };
  get<T = Record<string, unknown>>(sql: string, ...params: SqlParams): T | undefined;
  all<T = Record<string, unknown>>(sql: string, ...params: SqlParams): T[];
  iterate<T = Record<string, unknown>>(sql: string, ...params: SqlParams): IterableIterator<T>;
  /**
   * Runs `fn` in one transaction (nested calls become savepoints); throws roll it back. Every
   * commit is fsynced before this returns, so it survives a power cut, unless `durable: false`:
   * such a commit survives a crash of the process, but a power cut may take it back (WAL keeps
   * the database consistent either way). For steps a later durable commit or start-up repeats.
   * `immediate: true` takes the write lock at the start, for a transaction that only reads the
   * database but must not interleave with another process's writes.
   */
  tx: Tx;
  /**
   * Turns SQLite's automatic WAL checkpoint on this connection off (a long write calls
   * `checkpoint` instead) or back on. NB: the automatic one runs inside the commit that crosses
   * 1,000 WAL pages, on the event loop, with two fsyncs: hundreds of milliseconds on a busy disk.
   */
  autoCheckpoint(on: boolean): void;
  /**
   * Sets this connection's page cache to `kib` KiB, or back to PAGE_CACHE_KIB. SQLite frees the
   * pages beyond a smaller cache; a long job that reads and writes each page about once (a roster
   * import) needs little of it, and a full one is that much more memory at its peak.
   */
  pageCache(kib?: number): void;
  /** A WAL checkpoint whose fsyncs run off the event loop; see `checkpointOffLoop`. */
  checkpoint(): Promise<void>;
  /**
   * Makes every commit so far survive a power cut: one fsync of the write-ahead log in libuv's
   * thread pool (the event loop goes on), shared by every caller that asks while one is under way
   * (a group commit). For `tx(fn, { durable: false })` commits that a reply must not precede.
   */
  sync(): Promise<void>;
  close(): void;
}

export interface TxOptions {
  durable?: boolean;
  immediate?: boolean;
}

/** See `Db.tx`. */
export type Tx = <T>(fn: () => T, options?: TxOptions) => T;

export interface OpenOptions {
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  readonly?: boolean;
  /**
   * `rollback`: SQLite's default journal, not WAL: for a database that is only ever locked,
   * never written (the import lock), since switching to WAL writes its header, which fails on a
   * full disk.
   */
  journal?: 'wal' | 'rollback';
}

/** Each connection's page cache (KiB) unless a job asks for less (`Db.pageCache`). */
export const PAGE_CACHE_KIB = 16000;

/** Which binding this runtime uses: Deno cannot load better-sqlite3's addon, Node 20 has no node:sqlite. */
export const DRIVER: Driver['name'] = 'Deno' in globalThis ? 'node:sqlite' : 'better-sqlite3';

/** Opens (creating if needed) the database with WAL, foreign keys and a busy timeout, then migrates. */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const readonly = options.readonly ?? false;
  const openNative = (ro: boolean) => (DRIVER === 'node:sqlite' ? openNodeSqlite(path, ro) : openBetterSqlite3(path, ro));
  const native = openNative(readonly);
  try {
    if (!readonly && options.journal !== 'rollback') {
      native.exec('PRAGMA journal_mode = WAL');
      // FULL: a commit survives a power cut, not only a crash (an acknowledged upload, a check-out
      // the desk confirmed). ~0.3 ms per commit on an idle disk; `tx(fn, { durable: false })`
      // skips it for intermediate steps (the fsync of a later commit carries them: one WAL).
      native.exec('PRAGMA synchronous = FULL');
    }
    native.exec('PRAGMA foreign_keys = ON');
    native.exec('PRAGMA busy_timeout = 5000');
    // 16 MB of page cache: better-sqlite3's compiled-in default; node:sqlite's is 2 MB, which made
    // a 100,000-user import under Deno wait on the disk for its index pages.
    native.exec(`PRAGMA cache_size = -${PAGE_CACHE_KIB}`);
  } catch (err) {
    native.close();
    throw err;
  }
  const statements = new Map<string, DriverStatement>();
  const prepare = (sql: string): DriverStatement => {
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = native.prepare(sql);
      statements.set(sql, stmt);
    }
    return stmt;
  };
  const db: Db = {
    path,
    exec: (sql) => native.exec(sql),
    run: (sql, ...params) => prepare(sql).run(...params),
    get: <T>(sql: string, ...params: SqlParams) => prepare(sql).get(...params) as T | undefined,
    all: <T>(sql: string, ...params: SqlParams) => prepare(sql).all(...params) as T[],
    iterate: <T>(sql: string, ...params: SqlParams) => prepare(sql).iterate(...params) as IterableIterator<T>,
    tx: <T>(fn: () => T, options?: TxOptions): T => {
      const immediate = options?.immediate ?? false;
      // NB: SQLite refuses to change the safety level inside a transaction; a nested call is as
      // durable as the outer transaction it joins.
      if (options?.durable !== false || native.inTransaction) return native.transaction(fn, immediate);
      native.exec('PRAGMA synchronous = NORMAL');
      try {
        return native.transaction(fn, immediate);
      } finally {
        native.exec('PRAGMA synchronous = FULL');
      }
    },
    autoCheckpoint: (on) => native.exec(`PRAGMA wal_autocheckpoint = ${on ? 1000 : 0}`),
    pageCache: (kib = PAGE_CACHE_KIB) => {
      if (!Number.isSafeInteger(kib) || kib < 1) throw new Error(`not a cache size: ${kib}`);
      native.exec(`PRAGMA cache_size = -${kib}`);
    },
    checkpoint: () => checkpointOffLoop(native, path, () => openNative(false)),
    sync: createGroupSync(path),
    close: () => {
      statements.clear();
      native.close();
    },
  };
  if (options.migrate ?? !readonly) migrate(db);
  return db;
}

/**
 * A PASSIVE checkpoint with SQLite's fsyncs replaced by flushes in libuv's thread pool:
 * 1. a second connection reads, pinning a snapshot: while it is open no writer can restart the WAL
 *    (overwrite frames from its start), so every frame stays in the WAL until step 4;
 * 2. the WAL is flushed (off the event loop): every committed frame is on disk;
 * 3. the checkpoint copies the frames into the database file with `synchronous = OFF`, i.e. only
 *    write() calls on the event loop, no fsync;
 * 4. the database file is flushed (off the event loop), then the snapshot is let go.
 * A power cut at any moment finds the frames in the WAL, which recovery applies again: the same
 * guarantee as SQLite's own checkpoint, whose fsyncs would block the event loop.
 */
async function checkpointOffLoop(native: Driver, path: string, open: () => Driver): Promise<void> {
  const reader = open();
  try {
    reader.exec('PRAGMA busy_timeout = 5000');
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM sqlite_master').get();
    await syncFile(`${path}-wal`);
    native.exec('PRAGMA synchronous = OFF');
    try {
      native.prepare('PRAGMA wal_checkpoint(PASSIVE)').get();
    } finally {
      native.exec('PRAGMA synchronous = FULL');
    }
    await syncFile(path);
  } finally {
    try {
      reader.exec('COMMIT');
    } finally {
      reader.close();
    }
  }
}

/**
 * Applies the static migration list in one transaction, before anything listens.
 * A database written by a newer version is refused rather than guessed at.
 */
export function migrate(db: Db): string[] {
  const { pending } = migrationState(db);
  db.tx(() => {
    for (const m of pending) {
      db.exec(m.sql);
      db.run('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)', m.id, new Date().toISOString());
    }
  });
  return pending.map((m) => m.id);
}

/**
 * Which migrations the database has and which it lacks. An empty `applied` is a new database;
 * `applied` and `pending` both non-empty is one an older version wrote (an upgrade).
 * A database written by a newer version is refused rather than guessed at.
 */
export function migrationState(db: Db): { applied: string[]; pending: Migration[] } {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = db.all<{ id: string }>('SELECT id FROM schema_migrations ORDER BY id').map((r) => r.id);
  const known = new Set(MIGRATIONS.map((m) => m.id));
  const unknown = applied.filter((id) => !known.has(id));
  if (unknown.length) {
    throw new Error(`the database was written by a newer idphotos (unknown migrations: ${unknown.join(', ')}); use that version`);
  }
  return { applied, pending: MIGRATIONS.filter((m) => !applied.includes(m.id)) };
}

/** `PRAGMA integrity_check`: "ok" or the problems SQLite found. */
export function integrityCheck(db: Db): string {
  return db.all<{ integrity_check: string }>('PRAGMA integrity_check').map((r) => r.integrity_check).join('; ');
}
