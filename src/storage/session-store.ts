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
}

/** Web sign-in sessions (web_sessions), by the SHA-256 of their cookie value. */
export function createSessionRows(db: Db) {
  return {
    get: (idHash: string) => db.get<SessionRow>('SELECT * FROM web_sessions WHERE id_hash = ?', idHash),
    insert(row: SessionRow): void {
      db.run(
        'INSERT INTO web_sessions (id_hash, username, credential, csrf_token, ip, user_agent, created_at, last_seen_at) VALUES (@id_hash, @username, @credential, @csrf_token, @ip, @user_agent, @created_at, @last_seen_at)',
        { ...row },
      );
    },
    touch(idHash: string, at: string): void {
      db.run('UPDATE web_sessions SET last_seen_at = ? WHERE id_hash = ?', at, idHash);
    },
    delete(idHash: string): void {
      db.run('DELETE FROM web_sessions WHERE id_hash = ?', idHash);
    },
    /** Removes sessions last seen before `iso`; returns how many. */
    deleteIdleSince: (iso: string): number => db.run('DELETE FROM web_sessions WHERE last_seen_at < ?', iso).changes,
    count: (): number => db.get<{ n: number }>('SELECT count(*) AS n FROM web_sessions')!.n,
  };
}

export type SessionRows = ReturnType<typeof createSessionRows>;
