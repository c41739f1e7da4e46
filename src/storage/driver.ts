import type { SqlParams } from './db.ts';

/**
 * What `db.ts` needs of an SQLite binding. Two implement it: better-sqlite3 under Node
 * (driver-better-sqlite3.ts) and `node:sqlite` under Deno (driver-node-sqlite.ts), which cannot
 * load better-sqlite3's legacy addon. Both open the same file format: a database written by one
 * opens in the other.
 */
export interface Driver {
  readonly name: 'better-sqlite3' | 'node:sqlite';
  exec(sql: string): void;
  prepare(sql: string): DriverStatement;
  /**
   * Runs `fn` in a transaction (BEGIN, or BEGIN IMMEDIATE), or in a savepoint when one is open;
   * commits when it returns, rolls back when it throws. A function that returns a promise is refused.
   */
  transaction<T>(fn: () => T, immediate: boolean): T;
  readonly inTransaction: boolean;
  close(): void;
}

export interface DriverStatement {
  run(...params: SqlParams): { changes: number; lastInsertRowid: number };
  get(...params: SqlParams): unknown;
  all(...params: SqlParams): unknown[];
  iterate(...params: SqlParams): IterableIterator<unknown>;
}

/** The primary result codes of SQLite, by number, as better-sqlite3 names them in `err.code`. */
const PRIMARY: Record<number, string> = {
  1: 'ERROR', 2: 'INTERNAL', 3: 'PERM', 4: 'ABORT', 5: 'BUSY', 6: 'LOCKED', 7: 'NOMEM', 8: 'READONLY', 9: 'INTERRUPT',
  10: 'IOERR', 11: 'CORRUPT', 12: 'NOTFOUND', 13: 'FULL', 14: 'CANTOPEN', 15: 'PROTOCOL', 16: 'EMPTY', 17: 'SCHEMA',
  18: 'TOOBIG', 19: 'CONSTRAINT', 20: 'MISMATCH', 21: 'MISUSE', 22: 'NOLFS', 23: 'AUTH', 24: 'FORMAT', 25: 'RANGE', 26: 'NOTADB',
};

/** Extended codes better-sqlite3 reports by name that callers may tell apart. */
const EXTENDED: Record<number, string> = {
  261: 'BUSY_RECOVERY', 517: 'BUSY_SNAPSHOT', 773: 'BUSY_TIMEOUT', 264: 'READONLY_RECOVERY', 520: 'READONLY_CANTLOCK', 776: 'READONLY_ROLLBACK',
  1032: 'READONLY_DBMOVED', 275: 'CONSTRAINT_CHECK', 787: 'CONSTRAINT_FOREIGNKEY', 1299: 'CONSTRAINT_NOTNULL', 1555: 'CONSTRAINT_PRIMARYKEY',
  2067: 'CONSTRAINT_UNIQUE', 3091: 'CONSTRAINT_DATATYPE',
};

/** SQLite's own texts for the results a statement run through `exec` reports without a code. */
const BY_MESSAGE: [RegExp, string][] = [
  [/^database is locked/, 'BUSY'],
  [/^database table is locked/, 'LOCKED'],
  [/attempt to write a readonly database/, 'READONLY'],
  [/database or disk is full/, 'FULL'],
  [/^disk I\/O error/, 'IOERR'],
  [/database disk image is malformed/, 'CORRUPT'],
  [/unable to open database file/, 'CANTOPEN'],
  [/file is not a database/, 'NOTADB'],
  [/^(UNIQUE|NOT NULL|CHECK|FOREIGN KEY|PRIMARY KEY)? ?constraint failed/, 'CONSTRAINT'],
];

/**
 * The `SQLITE_…` name of an SQLite error's result code (`SQLITE_BUSY`, `SQLITE_FULL`,
 * `SQLITE_READONLY`, `SQLITE_CONSTRAINT_UNIQUE`, …), from `node:sqlite`'s numeric `errcode` or,
 * where it gives none, SQLite's message. Undefined for anything else.
 */
export function sqliteCodeOf(errcode: number | undefined, message: string): string | undefined {
  if (errcode !== undefined) {
    const name = EXTENDED[errcode] ?? PRIMARY[errcode & 0xff];
    if (name) return `SQLITE_${name}`;
  }
  for (const [pattern, name] of BY_MESSAGE) if (pattern.test(message)) return `SQLITE_${name}`;
  return undefined;
}
