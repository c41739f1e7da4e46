import type { Db } from './db.ts';

export type SignInMethod = 'local' | 'oidc' | 'ldap';
export type StaffRole = 'admin' | 'staff';

export interface StaffRow {
  id: number;
  method: SignInMethod;
  subject: string;
  identity: string;
  name: string;
  role: StaffRole;
  first_signin_at: string;
  last_signin_at: string;
  checked_at: string;
  refresh_token: string;
  blocked_at: string | null;
  blocked_by: string;
}

export interface StaffSignIn {
  method: SignInMethod;
  subject: string;
  identity: string;
  name: string;
  role: StaffRole;
  at: string;
  /** OIDC only: what re-checks the person later; '' keeps the one stored. */
  refreshToken?: string;
}

/** Records a sign-in (a new person or a returning one) and returns the row as it now is. */
export function upsertStaffSignIn(db: Db, s: StaffSignIn): StaffRow {
  db.run(
    `INSERT INTO web_staff (method, subject, identity, name, role, first_signin_at, last_signin_at, checked_at, refresh_token)
     VALUES (@method, @subject, @identity, @name, @role, @at, @at, @at, @refresh)
     ON CONFLICT (method, subject) DO UPDATE SET identity = excluded.identity, name = excluded.name, role = excluded.role,
       last_signin_at = excluded.last_signin_at, checked_at = excluded.checked_at,
       refresh_token = CASE WHEN excluded.refresh_token = '' THEN web_staff.refresh_token ELSE excluded.refresh_token END`,
    { method: s.method, subject: s.subject, identity: s.identity, name: s.name, role: s.role, at: s.at, refresh: s.refreshToken ?? '' },
  );
  return db.get<StaffRow>('SELECT * FROM web_staff WHERE method = ? AND subject = ?', s.method, s.subject)!;
}

export function getStaff(db: Db, id: number): StaffRow | undefined {
  return db.get<StaffRow>('SELECT * FROM web_staff WHERE id = ?', id);
}

export function findStaff(db: Db, method: SignInMethod, subject: string): StaffRow | undefined {
  return db.get<StaffRow>('SELECT * FROM web_staff WHERE method = ? AND subject = ?', method, subject);
}

/** Everyone who has signed in, the most recent first. */
export function listStaff(db: Db, limit: number): StaffRow[] {
  return db.all<StaffRow>('SELECT * FROM web_staff ORDER BY last_signin_at DESC, id DESC LIMIT ?', limit);
}

/** The directory said yes again: its current role, and when it was asked. */
export function markStaffChecked(db: Db, id: number, role: StaffRole, at: string, refreshToken?: string): void {
  db.run(
    `UPDATE web_staff SET role = ?, checked_at = ?, refresh_token = CASE WHEN ? = '' THEN refresh_token ELSE ? END WHERE id = ?`,
    role, at, refreshToken ?? '', refreshToken ?? '', id,
  );
}

export function setStaffBlocked(db: Db, id: number, blocked: { at: string; by: string } | null): number {
  return db.run('UPDATE web_staff SET blocked_at = ?, blocked_by = ? WHERE id = ?', blocked?.at ?? null, blocked?.by ?? '', id).changes;
}

/** Ends every session of one person (blocked, or the directory said no); returns how many. */
export function deleteStaffSessions(db: Db, id: number): number {
  return db.run('DELETE FROM web_sessions WHERE staff_id = ?', id).changes;
}
