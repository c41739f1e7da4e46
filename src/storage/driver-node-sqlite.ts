import type { SqlParams } from './db.ts';
import { sqliteCodeOf, type Driver, type DriverStatement } from './driver.ts';

/** The part of `node:sqlite` used here (Node 20's type definitions have none). */
interface NodeSqlite {
  DatabaseSync: new (path: string, options?: { readOnly?: boolean }) => DatabaseSync;
}
interface DatabaseSync {
  exec(sql: string): void;
  prepare(sql: string): StatementSync;
  close(): void;
  readonly isOpen: boolean;
  readonly isTransaction: boolean;
}
interface StatementSync {
  run(...params: SqlParams): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...params: SqlParams): unknown;
  all(...params: SqlParams): unknown[];
  iterate(...params: SqlParams): IterableIterator<unknown>;
  setAllowUnknownNamedParameters(allow: boolean): void;
}

// NB: better-sqlite3's names, so that a nested transaction behaves the same under both drivers.
const SAVEPOINT = 'SAVEPOINT "\t_bs3."';
const RELEASE = 'RELEASE "\t_bs3."';
const ROLLBACK_TO = 'ROLLBACK TO "\t_bs3."';

/**
 * `node:sqlite`, under Deno (Deno cannot load better-sqlite3's legacy addon; Node 20 has no
 * `node:sqlite`). Behaves like the better-sqlite3 driver: the same transactions and savepoints,
 * unknown named parameters ignored, and errors carrying better-sqlite3's `SQLITE_…` codes.
 * NB: loaded through `process.getBuiltinModule` when first opened, never imported: the Node
 * single executable's bundle must not see it.
 */
export function openNodeSqlite(path: string, readonly: boolean): Driver {
  const { DatabaseSync } = loadNodeSqlite();
  const native = attempt(() => new DatabaseSync(path, { readOnly: readonly }));
  const exec = (sql: string) => attempt(() => native.exec(sql));
  const transaction = <T>(fn: () => T, immediate: boolean): T => {
    const nested = native.isTransaction;
    exec(nested ? SAVEPOINT : immediate ? 'BEGIN IMMEDIATE' : 'BEGIN');
    try {
      const result = fn();
      if (result && typeof (result as { then?: unknown }).then === 'function') throw new TypeError('Transaction function cannot return a promise');
      exec(nested ? RELEASE : 'COMMIT');
      return result;
    } catch (err) {
      if (native.isTransaction) {
        exec(nested ? ROLLBACK_TO : 'ROLLBACK');
        if (nested) exec(RELEASE);
      }
      throw err;
    }
  };
  return {
    name: 'node:sqlite',
    exec,
    prepare(sql): DriverStatement {
      const stmt = attempt(() => native.prepare(sql));
      // better-sqlite3 ignores keys of a parameter object that the statement does not name.
      stmt.setAllowUnknownNamedParameters(true);
      return {
        run: (...params: SqlParams) => {
          const r = attempt(() => stmt.run(...params));
          return { changes: Number(r.changes), lastInsertRowid: Number(r.lastInsertRowid) };
        },
        get: (...params: SqlParams) => attempt(() => stmt.get(...params)),
        all: (...params: SqlParams) => attempt(() => stmt.all(...params)),
        iterate: (...params: SqlParams) => attempt(() => stmt.iterate(...params)),
      };
    },
    transaction,
    get inTransaction() {
      return native.isTransaction;
    },
    close: () => {
      if (native.isOpen) native.close();
    },
  };
}

function loadNodeSqlite(): NodeSqlite {
  const builtin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule?.('node:sqlite') as NodeSqlite | undefined;
  if (!builtin?.DatabaseSync) throw new Error(`this runtime has no node:sqlite (${describeRuntime()}): run idphotos under Node 20+ or Deno 2`);
  return builtin;
}

function describeRuntime(): string {
  const deno = (globalThis as { Deno?: { version?: { deno?: string } } }).Deno;
  return deno ? `Deno ${deno.version?.deno ?? '?'}` : `Node ${process.version}`;
}

/** Runs one call into SQLite and gives its error better-sqlite3's `code` (SQLITE_BUSY, SQLITE_FULL, …). */
function attempt<T>(call: () => T): T {
  try {
    return call();
  } catch (err) {
    if (err instanceof Error) {
      const e = err as Error & { code?: string; errcode?: number };
      const code = sqliteCodeOf(e.errcode, e.message);
      if (code) Object.defineProperty(e, 'code', { value: code, configurable: true, enumerable: true, writable: true });
    }
    throw err;
  }
}
