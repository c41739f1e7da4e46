import type { Db } from './db.ts';

export interface SessionRow {
  id_hash: string;
  username: string;
  csrf_token: string;
  ip: string;
  user_agent: string;
  created_at: string;
  last_seen_at: string;
  /** Fingerprint of the password hash the session was opened with. */
  credential: string;
  /** The person (web_staff) the session belongs to; null for sessions from before there was one. */
  staff_id: number | null;
}

/** Web sign-in sessions (web_sessions), by the SHA-256 of their cookie value. */
export function createSessionRows(db: Db) {
  return {
    get: (idHash: string) => db.get<SessionRow>('SELECT * FROM web_sessions WHERE id_hash = ?', idHash),
    insert(row: SessionRow): void {
      db.run(
        'INSERT INTO web_sessions (id_hash, username, credential, csrf_token, ip, user_agent, created_at, last_seen_at, staff_id) VALUES (@id_hash, @username, @credential, @csrf_token, @ip, @user_agent, @created_at, @last_seen_at, @staff_id)',
        { ...row },
      );
    },
    touch(idHash: string, at: string): void {
      db.run('UPDATE web_sessions SET last_seen_at = ? WHERE id_hash = ?', at, idHash);
    },
    delete(idHash: string): void {
      db.run('DELETE FROM web_sessions WHERE id_hash = ?', idHash);
    },
    /** Ends every session of one person (blocked, or the directory said no); returns how many. */
    deleteForStaff: (staffId: number): number => db.run('DELETE FROM web_sessions WHERE staff_id = ?', staffId).changes,
    /** Removes sessions last seen before `iso`; returns how many. */
    deleteIdleSince: (iso: string): number => db.run('DELETE FROM web_sessions WHERE last_seen_at < ?', iso).changes,
    count: (): number => db.get<{ n: number }>('SELECT count(*) AS n FROM web_sessions')!.n,
  };
}

export type SessionRows = ReturnType<typeof createSessionRows>;
