import Database from 'better-sqlite3';
import type { SqlParams } from './db.ts';
import type { Driver, DriverStatement } from './driver.ts';

/**
 * better-sqlite3, under Node. NB: the import loads no addon; the first `new Database` does, so
 * this module is harmless to import under Deno, which refuses the legacy addon.
 */
export function openBetterSqlite3(path: string, readonly: boolean): Driver {
  const native = new Database(path, { readonly });
  return {
    name: 'better-sqlite3',
    exec: (sql) => void native.exec(sql),
    prepare(sql): DriverStatement {
      const stmt = native.prepare(sql);
      return {
        run: (...params: SqlParams) => {
          const r = stmt.run(...params);
          return { changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
        },
        get: (...params: SqlParams) => stmt.get(...params),
        all: (...params: SqlParams) => stmt.all(...params),
        iterate: (...params: SqlParams) => stmt.iterate(...params) as IterableIterator<unknown>,
      };
    },
    transaction: <T>(fn: () => T, immediate: boolean): T => (immediate ? native.transaction(fn).immediate() : native.transaction(fn)()),
    get inTransaction() {
      return native.inTransaction;
    },
    close: () => {
      if (native.open) native.close();
    },
  };
}
