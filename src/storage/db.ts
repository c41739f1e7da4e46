import Database from 'better-sqlite3';
import { MIGRATIONS, type Migration } from './migrations/index.ts';

/**
 * The only module that imports better-sqlite3. Everything else sees `Db`, a small surface
 * that `node:sqlite` can also provide (the appliance is to run under Deno later).
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
  tx<T>(fn: () => T, options?: { durable?: boolean; immediate?: boolean }): T;
  close(): void;
}

export interface OpenOptions {
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  readonly?: boolean;
}

/** Opens (creating if needed) the database with WAL, foreign keys and a busy timeout, then migrates. */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const native = new Database(path, { readonly: options.readonly ?? false });
  if (!options.readonly) {
    native.pragma('journal_mode = WAL');
    // FULL: a commit survives a power cut, not only a crash (an acknowledged upload, a check-out
    // the desk confirmed). ~0.3 ms per commit on an idle disk; `tx(fn, { durable: false })`
    // skips it for intermediate steps (the fsync of a later commit carries them: one WAL).
    native.pragma('synchronous = FULL');
  }
  native.pragma('foreign_keys = ON');
  native.pragma('busy_timeout = 5000');
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string): Database.Statement => {
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = native.prepare(sql);
      statements.set(sql, stmt);
    }
    return stmt;
  };
  const db: Db = {
    path,
    exec: (sql) => void native.exec(sql),
    run: (sql, ...params) => {
      const r = prepare(sql).run(...params);
      return { changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
    },
    get: <T>(sql: string, ...params: SqlParams) => prepare(sql).get(...params) as T | undefined,
    all: <T>(sql: string, ...params: SqlParams) => prepare(sql).all(...params) as T[],
    iterate: <T>(sql: string, ...params: SqlParams) => prepare(sql).iterate(...params) as IterableIterator<T>,
    tx: <T>(fn: () => T, options?: { durable?: boolean; immediate?: boolean }): T => {
      const run = () => (options?.immediate ? native.transaction(fn).immediate() : native.transaction(fn)());
      // NB: SQLite refuses to change the safety level inside a transaction; a nested call is as
      // durable as the outer transaction it joins.
      if (options?.durable !== false || native.inTransaction) return run();
      native.pragma('synchronous = NORMAL');
      try {
        return run();
      } finally {
        native.pragma('synchronous = FULL');
      }
    },
    close: () => {
      statements.clear();
      if (native.open) native.close();
    },
  };
  if (options.migrate ?? !options.readonly) migrate(db);
  return db;
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
