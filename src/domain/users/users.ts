import { AppError } from '../../shared/errors.ts';
import type { UserRow } from '../../storage/user-row.ts';
import type { SearchQuery, SearchResult, UserSummary } from '../../storage/user-search.ts';
import type { UserCounts, UserStore } from '../../storage/user-store.ts';

export type UserRecord = UserRow;
export type { SearchQuery, SearchResult, UserSummary, UserCounts };

export function displayName(u: Pick<UserRecord, 'first_name' | 'last_name' | 'middle_name'>): string {
  return [u.first_name, u.middle_name, u.last_name].filter(Boolean).join(' ');
}

export interface FilterOptions {
  buildings: string[];
  grades: string[];
}

/** The people the roster keeps, as the viewer finds and shows them. */
export function createUserService(users: UserStore) {
  return {
    /** One user by exact Local ID; AppError 'not_found' when there is none. */
    get(localId: string): UserRecord {
      const user = users.byLocalId(localId);
      if (!user) throw new AppError('not_found', `No user has Local ID ${localId}.`);
      return user;
    },

    find: (localId: string): UserRecord | undefined => users.byLocalId(localId),

    /**
     * Searches users by name or Local ID, case-insensitively by prefix (ASCII letters). Every
     * token must match the start of a first or last name (middle name too with three or more
     * tokens) or, for a token with a digit, the Local ID. Filters narrow by role, building and grade.
     */
    search: (query: SearchQuery): SearchResult => users.search(query),

    /** The buildings and grades users are in, for the search filters. */
    filterOptions(): FilterOptions {
      const buildings = new Set<string>();
      const grades = new Set<string>();
      for (const r of users.buildingsAndGrades()) {
        if (r.building) buildings.add(r.building);
        if (r.grade) grades.add(r.grade);
      }
      return { buildings: [...buildings].sort(naturalCompare), grades: [...grades].sort(gradeCompare) };
    },

    /** Active users by role, and how many are inactive. */
    counts: (): UserCounts => users.counts(),
  };
}

export type UserService = ReturnType<typeof createUserService>;

// NB: made at the first comparison, not on import: a Collator loads ICU's collation data
// (several MiB of the executable's memory and ~6 ms of its start-up) that an idle appliance never uses.
let collator: Intl.Collator | undefined;
export const naturalCompare = (a: string, b: string): number => (collator ??= new Intl.Collator('en', { numeric: true, sensitivity: 'base' })).compare(a, b);

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
