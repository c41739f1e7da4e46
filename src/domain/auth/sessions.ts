import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../storage/db.ts';

export interface SessionRow {
  id_hash: string;
  username: string;
  csrf_token: string;
  ip: string;
  user_agent: string;
  created_at: string;
  last_seen_at: string;
}

/** The cookie value is a random token; only its SHA-256 is stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Sign-in sessions in SQLite, expiring after `idleMinutes` without a request.
 * NB: last_seen_at is written at most once per `touchEverySeconds`, so a busy page of
 * thumbnails does not turn every image request into a database write.
 */
export function createSessionStore(db: Db, idleMinutes: number) {
  const idleMs = idleMinutes * 60_000;
  const touchEveryMs = Math.min(60_000, idleMs / 4);

  return {
    create(username: string, meta: { ip: string; userAgent: string }, now = new Date()): { token: string; row: SessionRow } {
      const token = randomToken();
      const row: SessionRow = {
        id_hash: hashToken(token),
        username,
        csrf_token: randomToken(),
        ip: meta.ip,
        user_agent: meta.userAgent.slice(0, 300),
        created_at: now.toISOString(),
        last_seen_at: now.toISOString(),
      };
      db.run(
        'INSERT INTO web_sessions (id_hash, username, csrf_token, ip, user_agent, created_at, last_seen_at) VALUES (@id_hash, @username, @csrf_token, @ip, @user_agent, @created_at, @last_seen_at)',
        { ...row },
      );
      return { token, row };
    },

    /** The live session for a cookie value, or undefined when unknown or idle too long (then deleted). */
    find(token: string, now = new Date()): SessionRow | undefined {
      const idHash = hashToken(token);
      const row = db.get<SessionRow>('SELECT * FROM web_sessions WHERE id_hash = ?', idHash);
      if (!row) return undefined;
      const idle = now.getTime() - Date.parse(row.last_seen_at);
      if (idle > idleMs) {
        db.run('DELETE FROM web_sessions WHERE id_hash = ?', idHash);
        return undefined;
      }
      if (idle > touchEveryMs) {
        row.last_seen_at = now.toISOString();
        db.run('UPDATE web_sessions SET last_seen_at = ? WHERE id_hash = ?', row.last_seen_at, idHash);
      }
      return row;
    },

    delete(token: string): void {
      db.run('DELETE FROM web_sessions WHERE id_hash = ?', hashToken(token));
    },

    /** Removes sessions idle past the limit; returns how many. */
    purgeExpired(now = new Date()): number {
      return db.run('DELETE FROM web_sessions WHERE last_seen_at < ?', new Date(now.getTime() - idleMs).toISOString()).changes;
    },

    count(): number {
      return db.get<{ n: number }>('SELECT count(*) AS n FROM web_sessions')!.n;
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
