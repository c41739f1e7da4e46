import { createHash, randomBytes } from 'node:crypto';
import type { SessionRow, SessionRows } from '../../storage/session-store.ts';

export type { SessionRow };

/** The cookie value is a random token; only its SHA-256 is stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Sign-in sessions in the database, expiring after `idleMinutes` without a request.
 * NB: last_seen_at is written at most once per `touchEveryMs`, and a row read from the
 * database is reused for `memoMs`, so a page of thumbnails costs neither a database write
 * nor a read (nor a SHA-256) per image. Sign-out and expiry forget the row at once; the
 * database stays the truth, and only this process writes sessions.
 */
export function createSessionStore(rows: SessionRows, idleMinutes: number, memoMs = 1000) {
  const idleMs = idleMinutes * 60_000;
  const touchEveryMs = Math.min(60_000, idleMs / 4);
  const memo = new Map<string, { row: SessionRow; readAt: number }>();

  const read = (token: string, now: number): SessionRow | undefined => {
    const hit = memo.get(token);
    if (hit && now - hit.readAt < memoMs) return hit.row;
    const row = rows.get(hashToken(token));
    if (!row) {
      memo.delete(token);
      return undefined;
    }
    if (memo.size >= 10_000) memo.clear();
    memo.set(token, { row, readAt: now });
    return row;
  };

  return {
    create(username: string, credential: string, meta: { ip: string; userAgent: string }, now = new Date(), staffId: number | null = null): { token: string; row: SessionRow } {
      const token = randomToken();
      const row: SessionRow = {
        id_hash: hashToken(token),
        username,
        credential,
        csrf_token: randomToken(),
        ip: meta.ip,
        user_agent: meta.userAgent.slice(0, 300),
        created_at: now.toISOString(),
        last_seen_at: now.toISOString(),
        staff_id: staffId,
      };
      rows.insert(row);
      return { token, row };
    },

    /** The live session for a cookie value, or undefined when unknown or idle too long (then deleted). */
    find(token: string, now = new Date()): SessionRow | undefined {
      const row = read(token, now.getTime());
      if (!row) return undefined;
      const idle = now.getTime() - Date.parse(row.last_seen_at);
      if (idle > idleMs) {
        memo.delete(token);
        rows.delete(row.id_hash);
        return undefined;
      }
      if (idle > touchEveryMs) {
        row.last_seen_at = now.toISOString();
        rows.touch(row.id_hash, row.last_seen_at);
      }
      return row;
    },

    /** Drops remembered rows, after sessions were deleted behind this store's back (a block). */
    forget(): void {
      memo.clear();
    },

    delete(token: string): void {
      memo.delete(token);
      rows.delete(hashToken(token));
    },

    /** Removes sessions idle past the limit; returns how many. */
    purgeExpired(now = new Date()): number {
      memo.clear();
      return rows.deleteIdleSince(new Date(now.getTime() - idleMs).toISOString());
    },

    count(): number {
      return rows.count();
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
