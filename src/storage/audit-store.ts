import type { Db } from './db.ts';

/** What was done: viewing a person's data, signing in and out, and admin changes. */
export type AuditAction =
  | 'profile.view'
  | 'photo.view'
  | 'user.api_view'
  | 'signin'
  | 'signin.refused'
  | 'signin.revoked'
  | 'signout'
  | 'staff.block'
  | 'staff.unblock'
  | 'admin.action'
  | 'staff.action'
  | 'backup'
  | 'token.create'
  | 'token.revoke'
  | 'token.use'
  | 'export'
  | 'audit.export'
  | 'photo.purge';

export interface AuditEntry {
  at: string;
  actor: string;
  action: AuditAction;
  local_id: string;
  detail: string;
  ip: string;
}

export interface AuditQuery {
  localId?: string;
  actor?: string;
  limit?: number;
  /** Entries strictly older than this id (paging). */
  beforeId?: number;
}

const COLUMNS = 'id, at, actor, action, local_id, detail, ip';

/** The audit_log table. */
export function createAuditStore(db: Db) {
  return {
    /** Writes the entries in one transaction: all or none. */
    insertAll(entries: readonly AuditEntry[]): void {
      db.tx(() => {
        for (const e of entries) {
          db.run('INSERT INTO audit_log (at, actor, action, local_id, detail, ip) VALUES (@at, @actor, @action, @local_id, @detail, @ip)', { ...e });
        }
      });
    },

    /** Newest first. */
    list(query: AuditQuery = {}): (AuditEntry & { id: number })[] {
      const where: string[] = [];
      const params: Record<string, string | number> = { limit: Math.min(query.limit ?? 100, 1000) };
      if (query.localId !== undefined) {
        where.push('local_id = @localId');
        params.localId = query.localId;
      }
      if (query.actor !== undefined) {
        where.push('actor = @actor');
        params.actor = query.actor;
      }
      if (query.beforeId !== undefined) {
        where.push('id < @beforeId');
        params.beforeId = query.beforeId;
      }
      return db.all(`SELECT ${COLUMNS} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`, params);
    },

    /** Up to `limit` entries with an id above `after`, oldest first, of one person and/or [from, to) (ISO times). */
    pageAfter(range: { localId?: string | undefined; from?: string | undefined; to?: string | undefined }, after: number, limit: number): (AuditEntry & { id: number })[] {
      const where: string[] = ['id > @after'];
      const params: Record<string, string | number> = { after, limit };
      if (range.localId !== undefined) {
        where.push('local_id = @localId');
        params.localId = range.localId;
      }
      if (range.from !== undefined) {
        where.push('at >= @from');
        params.from = range.from;
      }
      if (range.to !== undefined) {
        where.push('at < @to');
        params.to = range.to;
      }
      return db.all(`SELECT ${COLUMNS} FROM audit_log WHERE ${where.join(' AND ')} ORDER BY id LIMIT @limit`, params);
    },

    /** The newest `idphotos backup`. NB: the literal 'backup' lets SQLite use the partial index of 008-audit-backups. */
    lastBackup: (): (AuditEntry & { id: number }) | undefined =>
      db.get(`SELECT ${COLUMNS} FROM audit_log WHERE action = 'backup' ORDER BY id DESC LIMIT 1`),

    /** Deletes up to `batch` of the oldest entries recorded before `cutoff` (ISO time), except backups; returns how many went. */
    removeBatchBefore(cutoff: string, batch: number): number {
      // NB: backups are kept: each is a copy of every record, and few enough to keep for good.
      return db.run("DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? AND action != 'backup' ORDER BY at LIMIT ?)", cutoff, batch).changes;
    },
  };
}

export type AuditStore = ReturnType<typeof createAuditStore>;
