import { AppError } from '../../shared/errors.ts';
import type { SessionRows } from '../../storage/session-store.ts';
import type { StaffRole, StaffRow, StaffSignIn, StaffStore } from '../../storage/staff-store.ts';

/** A row read within this long is reused: a page of thumbnails costs one read, not fifty. */
const MEMO_MS = 1000;

/**
 * Everyone who has signed in (locally or through a directory): who they are, how, their role,
 * and whether an admin blocked them here. Blocking, or a directory's "no", ends their sessions
 * at once; `onSessionsEnded` lets the session store forget what it remembered.
 */
export function createStaffRegistry(rows: StaffStore, sessions: Pick<SessionRows, 'deleteForStaff'>, onSessionsEnded: () => void) {
  const memo = new Map<number, { row: StaffRow; at: number }>();

  const endSessions = (id: number): number => {
    memo.delete(id);
    const n = sessions.deleteForStaff(id);
    onSessionsEnded();
    return n;
  };

  return {
    signedIn(s: StaffSignIn): StaffRow {
      const row = rows.upsertSignIn(s);
      memo.delete(row.id);
      return row;
    },

    get(id: number, now = Date.now()): StaffRow | undefined {
      const hit = memo.get(id);
      if (hit && now - hit.at < MEMO_MS) return hit.row;
      const row = rows.get(id);
      if (!row) return undefined;
      if (memo.size >= 10_000) memo.clear();
      memo.set(id, { row, at: now });
      return row;
    },

    /** A local account's person, for sessions opened before sessions named their person. */
    local(username: string): StaffRow | undefined {
      return rows.find('local', username);
    },

    list(limit = 1000): StaffRow[] {
      return rows.list(limit);
    },

    /** The directory said yes again (perhaps with another role). */
    checked(id: number, role: StaffRole, at: Date, refreshToken?: string): StaffRow | undefined {
      rows.markChecked(id, role, at.toISOString(), refreshToken);
      memo.delete(id);
      return rows.get(id);
    },

    endSessions,

    /**
     * Blocks or unblocks one person on this appliance; a block ends their sessions. Throws
     * 'not_found' for an unknown id, 'conflict' when an admin tries to block themselves.
     */
    setBlocked(id: number, blocked: boolean, by: { identity: string; method: StaffRow['method'] }, now = new Date()): { row: StaffRow; endedSessions: number } {
      const row = rows.get(id);
      if (!row) throw new AppError('not_found', 'No one with that id has signed in here.');
      if (blocked && by.identity === row.identity && by.method === row.method) throw new AppError('conflict', 'You cannot block yourself: ask another administrator.');
      rows.setBlocked(id, blocked ? { at: now.toISOString(), by: by.identity } : null);
      const endedSessions = blocked ? endSessions(id) : 0;
      memo.delete(id);
      return { row: rows.get(id)!, endedSessions };
    },
  };
}

export type StaffRegistry = ReturnType<typeof createStaffRegistry>;
