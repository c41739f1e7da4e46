import type { Db } from '../../storage/db.ts';

export interface UserCounts {
  students: number;
  staff: number;
  inactive: number;
}

/** Active users by role, and how many are inactive. */
export function userCounts(db: Db): UserCounts {
  const rows = db.all<{ role: string; active: number; n: number }>('SELECT role, active, count(*) AS n FROM users GROUP BY role, active');
  const counts: UserCounts = { students: 0, staff: 0, inactive: 0 };
  for (const r of rows) {
    if (!r.active) counts.inactive += r.n;
    else if (r.role === 'student') counts.students += r.n;
    else counts.staff += r.n;
  }
  return counts;
}
