import { createHash, randomBytes } from 'node:crypto';
import type { SessionRow, SessionRows } from '../../storage/session-store.ts';
import { isDiskFull } from '../../shared/errors.ts';
import { createLogger } from '../../shared/logger.ts';

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
  // NB: a full disk must not stop staff signing in or out (found by the outside attack: one
  // account filled the disk and sign-in answered 500). Sessions the database had no room for
  // live in memory until the next restart; sessions ended then are remembered as ended.
  const volatile = new Map<string, SessionRow>();
  const ended = new Set<string>();
  let warned = false;
  const orMemory = (write: () => void, fallback: () => void): void => {
    try {
      write();
    } catch (err) {
      if (!isDiskFull(err)) throw err;
      if (!warned) createLogger('auth').warn({ err }, 'disk full: web sessions are kept in memory until there is room (they end at a restart)');
      warned = true;
      fallback();
    }
  };

  const read = (token: string, now: number): SessionRow | undefined => {
    const hit = memo.get(token);
    if (hit && now - hit.readAt < memoMs) return hit.row;
    const idHash = hashToken(token);
    const row = volatile.get(idHash) ?? (ended.has(idHash) ? undefined : rows.get(idHash));
    if (!row) {
      memo.delete(token);
      return undefined;
    }
    if (memo.size >= 10_000) memo.clear();
    memo.set(token, { row, readAt: now });
    return row;
  };

  const forget = (idHash: string): void => {
    if (volatile.delete(idHash)) return;
    orMemory(
      () => rows.delete(idHash),
      () => ended.add(idHash),
    );
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
      orMemory(
        () => rows.insert(row),
        () => volatile.set(row.id_hash, row),
      );
      return { token, row };
    },

    /** The live session for a cookie value, or undefined when unknown or idle too long (then deleted). */
    find(token: string, now = new Date()): SessionRow | undefined {
      const row = read(token, now.getTime());
      if (!row) return undefined;
      const idle = now.getTime() - Date.parse(row.last_seen_at);
      if (idle > idleMs) {
        memo.delete(token);
        forget(row.id_hash);
        return undefined;
      }
      if (idle > touchEveryMs) {
        row.last_seen_at = now.toISOString();
        if (!volatile.has(row.id_hash)) orMemory(() => rows.touch(row.id_hash, row.last_seen_at), () => undefined);
      }
      return row;
    },

    /** Drops remembered rows, after sessions were deleted behind this store's back (a block). */
    forget(): void {
      memo.clear();
    },

    delete(token: string): void {
      memo.delete(token);
      forget(hashToken(token));
    },

    /** Removes sessions idle past the limit; returns how many. */
    purgeExpired(now = new Date()): number {
      memo.clear();
      const cutoff = new Date(now.getTime() - idleMs).toISOString();
      for (const [idHash, row] of volatile) if (row.last_seen_at < cutoff) volatile.delete(idHash);
      let n = 0;
      orMemory(
        () => void (n = rows.deleteIdleSince(cutoff)),
        () => undefined,
      );
      return n;
    },

    count(): number {
      return rows.count();
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
