import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../src/storage/db.ts';
import { databaseOf, openStorage, type Storage } from '../../src/storage/index.ts';

export interface TestUser {
  local_id: string;
  first_name: string;
  last_name: string;
  role?: 'student' | 'staff';
  grade?: string;
  building?: string;
  email?: string;
  active?: 0 | 1;
}

/** A fresh, migrated SQLite file in its own temp folder. */
export function tempDb(): { db: Db; storage: Storage; dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'idphotos-checkout-'));
  const storage = openStorage(join(dir, 'idphotos.db'));
  const db = databaseOf(storage);
  return { db, storage, dir, cleanup: () => { storage.close(); rmSync(dir, { recursive: true, force: true }); } };
}

/** Users arrive through roster imports; tests put them in the table directly. */
export function addUsers(db: Db, users: TestUser[]): void {
  const at = new Date().toISOString();
  for (const u of users) {
    db.run(
      `INSERT INTO users (local_id, first_name, last_name, role, grade, building, email, active, source, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'test', ?, ?)`,
      u.local_id, u.first_name, u.last_name, u.role ?? 'student', u.grade ?? '', u.building ?? '', u.email ?? '', u.active ?? 1, at, at,
    );
  }
}

/** Every row the check-out tables hold, to prove that a refusal recorded nothing. */
export function snapshot(db: Db): string {
  const tables = ['devices', 'device_loans', 'incidents', 'device_actions'];
  return JSON.stringify(tables.map((t) => db.all(`SELECT * FROM ${t} ORDER BY rowid`)));
}

export const STAFF = { username: 'desk', role: 'staff' } as const;
export const ADMIN = { username: 'admin', role: 'admin' } as const;
