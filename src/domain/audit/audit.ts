import type { AuditAction, AuditEntry, AuditQuery, AuditStore } from '../../storage/audit-store.ts';
import { createLogger } from '../../shared/logger.ts';
import { yieldToIo } from '../../shared/yield-to-io.ts';

/** Wait before writing buffered entries again after a failed write (a full disk). */
const RETRY_MS = 5000;
/** Entries deleted per statement when old ones are removed (a few milliseconds each). */
const REMOVE_BATCH = 5000;
/** Summaries counted at once; past this the oldest is written early (memory stays bounded). */
const MAX_SUMMARIES = 10_000;
/** Names kept in a summary's detail: enough to see what was tried, not a flood. */
const SUMMARY_NAMES = 5;

interface Summary {
  entry: Omit<AuditEntry, 'at' | 'local_id'>;
  count: number;
  first: number;
  last: number;
  names: Set<string>;
  moreNames: boolean;
  timer: NodeJS.Timeout;
}

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
  const summaries = new Map<string, Summary>();

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

  const emit = (key: string): void => {
    const s = summaries.get(key);
    if (!s) return;
    summaries.delete(key);
    clearTimeout(s.timer);
    const names = [...s.names].join(', ') + (s.moreNames ? ', …' : '');
    const detail = `${s.entry.detail}: ${s.count} from this address between ${new Date(s.first).toISOString()} and ${new Date(s.last).toISOString()}; names tried: ${names}`;
    try {
      record({ ...s.entry, actor: s.names.size === 1 && !s.moreNames ? s.entry.actor : '(several)', detail }, s.first);
    } catch (err) {
      // From a timer: a full disk must not end the appliance; the buffer keeps it for a retry.
      createLogger('audit').error({ err }, 'could not write the audit log; retrying');
    }
  };

  const record = (entry: Omit<AuditEntry, 'at' | 'detail' | 'ip' | 'local_id'> & Partial<AuditEntry>, now = Date.now()): void => {
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
  };

  return {
    record,

    /**
     * Counts an entry a signed-out client can repeat at will (a refused sign-in under the
     * limit) instead of writing each: one entry per action, address and detail per window,
     * written when the window ends (or at stop), with the count, the time span and the first
     * names tried. The audit log cannot be flooded this way, and still shows the attack.
     */
    summarise(entry: Omit<AuditEntry, 'at' | 'local_id'>, windowMs: number, now = Date.now()): void {
      const key = `${entry.action}\0${entry.ip}\0${entry.detail}`;
      let s = summaries.get(key);
      if (!s) {
        if (summaries.size >= MAX_SUMMARIES) emit(summaries.keys().next().value!);
        const timer = setTimeout(() => emit(key), windowMs);
        timer.unref();
        s = { entry, count: 0, first: now, last: now, names: new Set(), moreNames: false, timer };
        summaries.set(key, s);
      }
      s.count++;
      s.last = now;
      if (s.names.has(entry.actor)) return;
      if (s.names.size < SUMMARY_NAMES) s.names.add(entry.actor);
      else s.moreNames = true;
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
        await yieldToIo();
        if (stopping()) return removed;
      }
    },

    close(): void {
      for (const key of [...summaries.keys()]) emit(key);
      try {
        flush();
      } catch (err) {
        // A stop on a full disk must still stop (and close the database): the entries go to the log.
        createLogger('audit').error({ err, entries: buffer }, `could not write ${buffer.length} audit entries at stop; they are in this log line`);
      }
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
