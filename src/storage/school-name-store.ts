import { bindDb } from './bind.ts';
import type { Db } from './db.ts';

/** Replaces the building names that came from one file; returns how many were new, renamed and unchanged. */
export function replaceSchoolNames(db: Db, source: string, names: ReadonlyMap<string, string>): { added: number; updated: number; unchanged: number; removed: number } {
  const before = new Map(db.all<{ code: string; name: string }>('SELECT code, name FROM school_names WHERE source = ?', source).map((r) => [r.code, r.name]));
  let added = 0;
  let updated = 0;
  let unchanged = 0;
  for (const [code, name] of names) {
    const old = before.get(code);
    if (old === undefined) added++;
    else if (old !== name) updated++;
    else unchanged++;
  }
  const removed = [...before.keys()].filter((code) => !names.has(code)).length;
  db.run('DELETE FROM school_names WHERE source = ?', source);
  for (const [code, name] of names) db.run('INSERT INTO school_names (source, code, name) VALUES (?, ?, ?)', source, code, name);
  return { added, updated, unchanged, removed };
}

/** Every uploaded building name (code → name); schools.csv wins over orgs.csv for the same code. */
export function allSchoolNames(db: Db): Map<string, string> {
  const rows = db.all<{ code: string; name: string }>("SELECT code, name FROM school_names ORDER BY source = 'schools.csv'");
  return new Map(rows.map((r) => [r.code, r.name]));
}

/** Building names from uploaded schools.csv / orgs.csv files (school_names). */
export function createSchoolNameStore(db: Db) {
  return bindDb(db, { replaceSchoolNames, allSchoolNames });
}

export type SchoolNameStore = ReturnType<typeof createSchoolNameStore>;
