import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from './db.ts';

/** How often a waiting import tries the lock again. */
const POLL_MS = 100;

/**
 * One roster import at a time per data folder, across processes (the server and a CLI import)
 * and connections: an import reads the users, decides and writes in many short transactions, and
 * two running at once would each plan against the other's half-written roster.
 * The lock is SQLite's write lock on an empty database of its own (`path`), held by an open
 * transaction that writes nothing: the operating system lets go of it when its process ends, so a
 * crash never leaves it taken (a lock file with a pid would, once the pid is reused).
 * Resolves, once it is taken, with the function that releases it.
 */
export async function takeImportLock(path: string): Promise<() => void>;
/** With `wait: false`: undefined at once when another holds the lock. */
export async function takeImportLock(path: string, opts: { wait: false }): Promise<(() => void) | undefined>;
export async function takeImportLock(path: string, opts: { wait?: boolean } = {}): Promise<(() => void) | undefined> {
  mkdirSync(dirname(path), { recursive: true });
  // Written once, when it is made (its first page), and never again, so taking the lock works
  // on a full disk too: BEGIN IMMEDIATE in a rollback journal takes the RESERVED lock without a
  // write (in WAL mode it would need the shared-memory file to grow, and an empty file fails).
  const db = openDatabase(path, { migrate: false, journal: 'rollback' });
  try {
    db.exec('PRAGMA busy_timeout = 0');
    if (db.get<{ user_version: number }>('PRAGMA user_version')!.user_version === 0) db.exec('PRAGMA user_version = 1');
    for (;;) {
      try {
        db.exec('BEGIN IMMEDIATE');
        break;
      } catch (err) {
        if (!String((err as { code?: unknown }).code).startsWith('SQLITE_BUSY')) throw err;
      }
      if (opts.wait === false) {
        db.close();
        return undefined;
      }
      await sleep(POLL_MS);
    }
  } catch (err) {
    db.close();
    throw err;
  }
  return () => {
    try {
      db.exec('ROLLBACK');
    } finally {
      db.close();
    }
  };
}
