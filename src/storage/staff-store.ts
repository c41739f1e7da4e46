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

/** Everyone who has signed in to the web viewer (web_staff), however they did. */
export function createStaffStore(db: Db) {
  return {
    /** Records a sign-in (a new person or a returning one) and returns the row as it now is. */
    upsertSignIn(s: StaffSignIn): StaffRow {
      db.run(
        `INSERT INTO web_staff (method, subject, identity, name, role, first_signin_at, last_signin_at, checked_at, refresh_token)
         VALUES (@method, @subject, @identity, @name, @role, @at, @at, @at, @refresh)
         ON CONFLICT (method, subject) DO UPDATE SET identity = excluded.identity, name = excluded.name, role = excluded.role,
           last_signin_at = excluded.last_signin_at, checked_at = excluded.checked_at,
           refresh_token = CASE WHEN excluded.refresh_token = '' THEN web_staff.refresh_token ELSE excluded.refresh_token END`,
        { method: s.method, subject: s.subject, identity: s.identity, name: s.name, role: s.role, at: s.at, refresh: s.refreshToken ?? '' },
      );
      return db.get<StaffRow>('SELECT * FROM web_staff WHERE method = ? AND subject = ?', s.method, s.subject)!;
    },

    get: (id: number): StaffRow | undefined => db.get<StaffRow>('SELECT * FROM web_staff WHERE id = ?', id),

    find: (method: SignInMethod, subject: string): StaffRow | undefined => db.get<StaffRow>('SELECT * FROM web_staff WHERE method = ? AND subject = ?', method, subject),

    /** Everyone who has signed in, the most recent first. */
    list: (limit: number): StaffRow[] => db.all<StaffRow>('SELECT * FROM web_staff ORDER BY last_signin_at DESC, id DESC LIMIT ?', limit),

    /** The directory said yes again: its current role, and when it was asked. */
    markChecked(id: number, role: StaffRole, at: string, refreshToken?: string): void {
      db.run(
        `UPDATE web_staff SET role = ?, checked_at = ?, refresh_token = CASE WHEN ? = '' THEN refresh_token ELSE ? END WHERE id = ?`,
        role, at, refreshToken ?? '', refreshToken ?? '', id,
      );
    },

    setBlocked: (id: number, blocked: { at: string; by: string } | null): number =>
      db.run('UPDATE web_staff SET blocked_at = ?, blocked_by = ? WHERE id = ?', blocked?.at ?? null, blocked?.by ?? '', id).changes,
  };
}

export type StaffStore = ReturnType<typeof createStaffStore>;
