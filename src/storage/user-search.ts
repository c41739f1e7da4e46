import type { Db } from './db.ts';
import type { UserRow } from './user-row.ts';

export type UserSummary = Pick<UserRow, 'local_id' | 'first_name' | 'last_name' | 'middle_name' | 'role' | 'grade' | 'building' | 'active' | 'opt_out'>;

export interface SearchQuery {
  /** Name parts and/or a Local ID, e.g. `smi`, `John Sm`, `S12345`. */
  q?: string;
  role?: string;
  building?: string;
  grade?: string;
  limit?: number;
}

export interface SearchResult {
  users: UserSummary[];
  /** True when more users match than were returned: the person should type more. */
  more: boolean;
}

const COLUMNS = 'local_id, first_name, last_name, middle_name, role, grade, building, active, opt_out';

/**
 * Where a token may match, in the order results are shown: an exact Local ID first, then
 * last names, first names and Local ID prefixes, active users before inactive ones.
 * Each branch walks one index in display order and stops after a page, which keeps a
 * one-letter search over 100,000 users as fast as a rare one.
 */
const BRANCHES = [
  { column: 'last_name', order: 'last_name COLLATE NOCASE, first_name COLLATE NOCASE' },
  { column: 'first_name', order: 'first_name COLLATE NOCASE, last_name COLLATE NOCASE' },
  { column: 'local_id', order: 'local_id COLLATE NOCASE' },
] as const;

/**
 * Searches users by name or Local ID, case-insensitively by prefix (ASCII letters; SQLite's
 * NOCASE does not fold accented letters). Every token must match the start of a first or last
 * name (middle name too with three or more tokens) or, for a token with a digit, the Local ID.
 * Filters narrow by role, building and grade.
 */
export function searchUsers(db: Db, query: SearchQuery): SearchResult {
  const limit = Math.min(Math.max(query.limit ?? 50, 1), 200);
  const tokens = tokenize(query.q ?? '');
  const filters: string[] = [];
  const params: Record<string, string | number> = { limit: limit + 1 };
  if (query.role) {
    filters.push('role = @role');
    params.role = query.role;
  }
  if (query.building) {
    filters.push('building = @building');
    params.building = query.building;
  }
  if (query.grade) {
    filters.push('grade = @grade');
    params.grade = query.grade;
  }
  if (tokens.length === 0 && filters.length === 0) return { users: [], more: false };

  const found = new Map<string, UserSummary>();
  const add = (rows: UserSummary[]): void => {
    for (const r of rows) if (!found.has(r.local_id)) found.set(r.local_id, r);
  };

  if (tokens.length === 0) {
    for (const active of [1, 0]) {
      if (found.size > limit) break;
      add(db.all<UserSummary>(`SELECT ${COLUMNS} FROM users WHERE active = @active AND ${filters.join(' AND ')} ORDER BY ${BRANCHES[0].order} LIMIT @limit`, { ...params, active }));
    }
    return page(found, limit);
  }

  // The longest token drives the index walk; the others filter what it finds.
  const driver = tokens.reduce((a, b) => (b.length > a.length ? b : a));
  const others = tokens.filter((t) => t !== driver);
  const exact = query.q!.trim();
  if (tokens.length === 1) {
    add(db.all<UserSummary>(`SELECT ${COLUMNS} FROM users WHERE local_id = @exact ${filters.map((f) => `AND ${f}`).join(' ')}`, { ...params, exact }));
  }
  others.forEach((t, i) => {
    params[`t${i}`] = `${escapeLike(t)}%`;
    // NB: first and last name are in the index being walked, so SQLite checks them without
    // reading the row; middle name and Local ID only join in when the query asks for them.
    const columns = ['last_name', 'first_name'];
    if (tokens.length >= 3) columns.push('middle_name');
    if (/[0-9]/.test(t)) columns.push('local_id');
    filters.push(`(${columns.map((col) => `${col} LIKE @t${i} ESCAPE '\\'`).join(' OR ')})`);
  });
  const extra = filters.map((f) => `AND ${f}`).join(' ');
  const { lo, hi } = prefixRange(driver);
  for (const active of [1, 0]) {
    for (const b of BRANCHES) {
      if (found.size > limit) break;
      add(
        db.all<UserSummary>(
          `SELECT ${COLUMNS} FROM users WHERE active = @active AND ${b.column} >= @lo COLLATE NOCASE AND ${b.column} < @hi COLLATE NOCASE ${extra} ORDER BY ${b.order} LIMIT @limit`,
          { ...params, active, lo, hi },
        ),
      );
    }
  }
  return page(found, limit);
}

function page(found: Map<string, UserSummary>, limit: number): SearchResult {
  const users = [...found.values()];
  return { users: users.slice(0, limit), more: users.length > limit };
}

function tokenize(q: string): string[] {
  return q
    .replace(/[,;]/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 6)
    .map((t) => t.slice(0, 64));
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The NOCASE range holding every string that starts with `prefix`: [prefix, prefix with its
 * last character bumped). NOCASE folds ASCII only, so only ASCII is lowered here.
 */
export function prefixRange(prefix: string): { lo: string; hi: string } {
  const lo = prefix.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const chars = [...lo];
  const last = chars.pop()!;
  const hi = chars.join('') + String.fromCodePoint(last.codePointAt(0)! + 1);
  return { lo, hi };
}
