import { hostname } from 'node:os';
import type { AlertsConfig } from '../../config/schema.ts';
import { errorMessage } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { AlertRow, AlertStore } from '../../storage/alert-store.ts';
import type { DiskSpace } from '../metrics/disk.ts';
import { conditions, type Condition } from './conditions.ts';
import type { AlertMessage, Delivery } from './delivery.ts';

/** What the checks read; each is cheap (an indexed query, a statfs). */
export interface AlertSources {
  heldImports(): { id: number; file: string; received_at: string; reason: string }[];
  renderQueue(): { count: number; oldest: string | undefined };
  disk(): DiskSpace | undefined;
  lastBackupAt(): string | undefined;
}

export interface AlertsOptions {
  config: AlertsConfig;
  store: AlertStore;
  sources: AlertSources;
  delivery: Delivery;
  log: Logger;
  /** The clock (tests move it forward instead of waiting). */
  now?: () => number;
  /** How often the conditions are checked by themselves (imports and refusals also check at once). */
  checkEveryMs?: number;
}

/**
 * Raises an alert once per cause and sends a resolve once it is gone: import held, uploads
 * refused over the hourly threshold, disk low, backup overdue or failed, render queue stuck.
 * Raised alerts are kept in the database, so a restart neither repeats nor forgets one.
 * Sending is the delivery's background work: nothing here waits for a receiver.
 */
export interface Alerts {
  /** An upload was refused just now (counted toward alerts.refused_per_hour). */
  refusedUpload(): void;
  /** A scheduled backup failed: raised until one succeeds. */
  backupFailed(reason: string): void;
  backupSucceeded(): void;
  /** Looks at every condition now; raises and resolves what changed. */
  check(): void;
  /** The alerts raised now, oldest first (the status page lists them). */
  active(): AlertRow[];
  start(): void;
  stop(): Promise<void>;
}

const HOUR_MS = 60 * 60 * 1000;
const BACKUP_FAILED = 'backup-failed';
/** Causes raised by an event rather than a condition: only their own event resolves them. */
const EVENT_CAUSES = new Set([BACKUP_FAILED]);

export function createAlerts(options: AlertsOptions): Alerts {
  const { config, store, sources, delivery, log } = options;
  const now = options.now ?? Date.now;
  const startedAt = now();
  const appliance = hostname();
  // The times of the last `refused_per_hour` refusals: enough to tell whether the hour holds
  // that many, and a flood of refusals cannot grow it.
  const refusals: number[] = [];
  // Whether uploads-refused is raised: read from the store at the first check, kept here after.
  let refusing: boolean | undefined;
  let timer: NodeJS.Timeout | undefined;

  const message = (status: AlertMessage['status'], row: AlertRow): AlertMessage => ({
    status,
    cause: row.cause,
    title: row.title,
    detail: row.detail,
    since: row.raised_at,
    at: new Date(now()).toISOString(),
    appliance,
  });

  const raise = (c: Condition): void => {
    const row: AlertRow = { cause: c.cause, title: c.title, detail: c.detail, raised_at: new Date(now()).toISOString() };
    store.raise(row);
    if (c.cause === 'uploads-refused') refusing = true;
    log.warn({ cause: c.cause, detail: c.detail }, `alert: ${c.title}`);
    delivery.send(message('firing', row));
  };

  const resolve = (row: AlertRow): void => {
    store.resolve(row.cause);
    if (row.cause === 'uploads-refused') refusing = false;
    log.info({ cause: row.cause, since: row.raised_at }, `alert resolved: ${row.title}`);
    delivery.send(message('resolved', row));
  };

  const refusedLastHour = (): number => refusals.filter((t) => now() - t < HOUR_MS).length;

  const check = (): void => {
    try {
      const active = new Map(store.list().map((r) => [r.cause, r]));
      refusing = active.has('uploads-refused');
      const holding = conditions(
        config,
        {
          now: now(),
          startedAt,
          heldImports: sources.heldImports(),
          refusedLastHour: refusedLastHour(),
          renderQueue: sources.renderQueue(),
          disk: sources.disk(),
          lastBackupAt: sources.lastBackupAt(),
        },
        active.has('uploads-refused'),
      );
      for (const c of holding) if (!active.has(c.cause)) raise(c);
      const causes = new Set(holding.map((c) => c.cause));
      for (const row of active.values()) if (!causes.has(row.cause) && !EVENT_CAUSES.has(row.cause)) resolve(row);
    } catch (err) {
      // NB: a busy or full database must not end the appliance; the next check tries again.
      log.error({ err: errorMessage(err) }, 'could not check the alert conditions; trying again at the next check');
    }
  };

  return {
    refusedUpload() {
      refusals.push(now());
      if (refusals.length > config.refused_per_hour) refusals.shift();
      // Checked at once only when this refusal raises the alert: a flood past it costs no queries.
      if (!refusing && refusedLastHour() >= config.refused_per_hour) check();
    },
    backupFailed(reason) {
      const existing = store.list().find((r) => r.cause === BACKUP_FAILED);
      if (existing) return;
      raise({ cause: BACKUP_FAILED, title: 'the scheduled backup failed', detail: `${reason}. Nothing was kept from this attempt; the previous backups are untouched. The next one is tried at the next scheduled time.` });
    },
    backupSucceeded() {
      const existing = store.list().find((r) => r.cause === BACKUP_FAILED);
      if (existing) resolve(existing);
      check();
    },
    check,
    active: () => store.list(),
    start() {
      check();
      timer = setInterval(check, options.checkEveryMs ?? 60_000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await delivery.stop();
    },
  };
}
