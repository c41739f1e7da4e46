import type { Db } from '../../storage/db.ts';
import { AppError } from '../../shared/errors.ts';
import type { UserRow } from '../../storage/user-row.ts';

export type UserRecord = UserRow;

/** One user by exact Local ID; AppError 'not_found' when there is none. */
export function getUser(db: Db, localId: string): UserRecord {
  const user = db.get<UserRecord>('SELECT * FROM users WHERE local_id = ?', localId);
  if (!user) throw new AppError('not_found', `No user has Local ID ${localId}.`);
  return user;
}

export function findUser(db: Db, localId: string): UserRecord | undefined {
  return db.get<UserRecord>('SELECT * FROM users WHERE local_id = ?', localId);
}

export function displayName(u: Pick<UserRecord, 'first_name' | 'last_name' | 'middle_name'>): string {
  return [u.first_name, u.middle_name, u.last_name].filter(Boolean).join(' ');
}

export interface FilterOptions {
  buildings: string[];
  grades: string[];
}

/** The buildings and grades users are in, for the search filters. */
export function filterOptions(db: Db): FilterOptions {
  const rows = db.all<{ building: string; grade: string }>(
    "SELECT DISTINCT building, grade FROM users WHERE active = 1 AND (building <> '' OR grade <> '')",
  );
  const buildings = new Set<string>();
  const grades = new Set<string>();
  for (const r of rows) {
    if (r.building) buildings.add(r.building);
    if (r.grade) grades.add(r.grade);
  }
  return { buildings: [...buildings].sort(naturalCompare), grades: [...grades].sort(gradeCompare) };
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
export const naturalCompare = (a: string, b: string): number => collator.compare(a, b);

/** PK, K, 1…12 in school order; anything else after, naturally sorted. */
export function gradeCompare(a: string, b: string): number {
  const rank = (g: string): number => {
    const u = g.toUpperCase();
    if (u === 'PK' || u === 'PRE-K' || u === 'P') return -2;
    if (u === 'K' || u === 'KG' || u === 'TK') return -1;
    const n = Number(g);
    return Number.isInteger(n) ? n : 100;
  };
  return rank(a) - rank(b) || naturalCompare(a, b);
}
