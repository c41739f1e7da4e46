/**
 * A row of the `users` table (migration 001-users) as every module that reads it sees it; each
 * takes the columns it needs with `Pick`. Local IDs are compared exactly (BINARY collation).
 */
export interface UserRow {
  local_id: string;
  first_name: string;
  last_name: string;
  middle_name: string;
  role: 'student' | 'staff';
  grade: string;
  building: string;
  email: string;
  username: string;
  position: string;
  active: 0 | 1;
  /** FERPA directory opt-out (migration 012): 1 withholds the photo from staff, exports and tokens. */
  opt_out: 0 | 1;
  /** The file the user came from (`students.csv`, …); missing users are looked for among its users. */
  source: string;
  created_at: string;
  updated_at: string;
  deactivated_at: string | null;
}
