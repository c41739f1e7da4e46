import type { AuditAction, AuditEntry, AuditQuery, AuditStore } from '../../storage/audit-store.ts';
import { createLogger } from '../../shared/logger.ts';

/** Wait before writing buffered entries again after a failed write (a full disk). */
const RETRY_MS = 5000;
/** Entries deleted per statement when old ones are removed (a few milliseconds each). */
const REMOVE_BATCH = 5000;

export type { AuditAction, AuditEntry, AuditQuery };

/** Which entries an export takes: one person's, and/or those recorded in [from, to) (ISO times). */
export interface AuditRange {
  localId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/**
 * The audit log: who viewed which profile or photo, and when. Writes are buffered and flushed
 * in one transaction (at most `flushMs` later), so a page of thumbnails costs one write, not
 * fifty. A repeat of the same view by the same person within `repeatSeconds` is one entry:
 * the log answers "who looked at this student, and when" to the minute.
 */
export function createAuditLog(store: AuditStore, options: { flushMs?: number; repeatSeconds?: number; maxBuffered?: number } = {}) {
  const flushMs = options.flushMs ?? 1000;
  const repeatMs = (options.repeatSeconds ?? 60) * 1000;
  const maxBuffered = options.maxBuffered ?? 500;
  let buffer: AuditEntry[] = [];
  let timer: NodeJS.Timeout | undefined;
  const lastSeen = new Map<string, number>();

  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!buffer.length) return;
    const entries = buffer;
    buffer = [];
    try {
      store.insertAll(entries);
    } catch (err) {
      // Kept, not dropped: written once the disk has room again.
      buffer = entries.concat(buffer);
      throw err;
    }
    const cutoff = Date.now() - repeatMs;
    for (const [key, at] of lastSeen) if (at < cutoff) lastSeen.delete(key);
  };

  // NB: the timer's write must not throw: an uncaught SQLITE_FULL there ended the whole appliance
  // when the disk filled up (found by the full-disk test). It retries instead; meanwhile, once
  // `maxBuffered` views wait, record() throws and views fail closed rather than go unaudited.
  const flushLater = (): void => {
    try {
      flush();
    } catch (err) {
      createLogger('audit').error({ err, pending: buffer.length }, `could not write the audit log; retrying in ${RETRY_MS / 1000} s`);
      if (!timer) {
        timer = setTimeout(flushLater, RETRY_MS);
        timer.unref();
      }
    }
  };

  return {
    record(entry: Omit<AuditEntry, 'at' | 'detail' | 'ip' | 'local_id'> & Partial<AuditEntry>, now = Date.now()): void {
      if (entry.action === 'profile.view' || entry.action === 'photo.view' || entry.action === 'user.api_view') {
        // NB: checked before anything is built: a repeat is the common case on the image path.
        const key = `${entry.actor}\0${entry.action}\0${entry.local_id ?? ''}\0${entry.detail ?? ''}`;
        const previous = lastSeen.get(key);
        if (previous !== undefined && now - previous < repeatMs) return;
        lastSeen.set(key, now);
      }
      buffer.push({ at: new Date(now).toISOString(), local_id: '', detail: '', ip: '', ...entry });
      if (buffer.length >= maxBuffered) flush();
      else if (!timer) {
        timer = setTimeout(flushLater, flushMs);
        timer.unref();
      }
    },

    flush,

    /** Newest first. */
    list(query: AuditQuery = {}): (AuditEntry & { id: number })[] {
      flush();
      return store.list(query);
    },

    /**
     * Entries oldest first, in pages of `pageSize` by id, for the CSV export: each page is one
     * short read, so an export of years of entries never holds the connection between pages
     * (better-sqlite3 allows no other statement while an iterator is open).
     */
    *pages(query: AuditRange, pageSize = 1000): Generator<(AuditEntry & { id: number })[]> {
      flush();
      let after = 0;
      for (;;) {
        const page = store.pageAfter(query, after, pageSize);
        if (page.length) yield page;
        if (page.length < pageSize) return;
        after = page[page.length - 1]!.id;
      }
    },

    /** The newest `idphotos backup`, for the status page (a partial index keeps this a lookup). */
    lastBackup(): (AuditEntry & { id: number }) | undefined {
      flush();
      return store.lastBackup();
    },

    /**
     * Deletes entries recorded before `cutoff` (ISO time), except backups, oldest first, in batches with a turn of
     * the event loop between them, so that a first run over years of entries never stalls the
     * viewer or the SFTP server; `stopping()` true ends it between batches. Resolves with how many went.
     */
    async removeBefore(cutoff: string, stopping: () => boolean = () => false): Promise<number> {
      flush();
      let removed = 0;
      for (;;) {
        const changes = store.removeBatchBefore(cutoff, REMOVE_BATCH);
        removed += changes;
        if (changes < REMOVE_BATCH) return removed;
        await new Promise((resolve) => setImmediate(resolve));
        if (stopping()) return removed;
      }
    },

    close(): void {
      flush();
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
