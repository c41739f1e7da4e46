import type { Logger } from '../../shared/logger.ts';
import type { AuditLog } from './audit.ts';

/** How often old entries are looked for; the first look is at start. */
const EVERY_MS = 6 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Keeps the audit log to `days` (web.audit_retention_days; 0 keeps everything). What is removed
 * is counted in the log and in the audit log itself, so a gap in it is never unexplained.
 */
export function startAuditRetention(audit: AuditLog, days: number, log: Logger): { stop(): Promise<void> } {
  if (days <= 0) return { async stop() {} };
  let running: Promise<void> | undefined;
  let stopped = false;
  const run = () => {
    if (running) return;
    const cutoff = new Date(Date.now() - days * DAY_MS).toISOString();
    running = audit
      .removeBefore(cutoff, () => stopped)
      .then((removed) => {
        if (!removed) return;
        const detail = `${removed} audit entries older than ${days} days (before ${cutoff}) removed (web.audit_retention_days)`;
        log.info({ removed, cutoff }, detail);
        audit.record({ actor: 'idphotos', action: 'admin.action', detail });
      })
      .catch((err) => log.error({ err }, 'could not remove old audit entries; trying again later'))
      .finally(() => (running = undefined));
  };
  run();
  const timer = setInterval(run, EVERY_MS);
  timer.unref();
  return {
    /** Ends the timer and a removal under way (between batches; what went is still recorded). */
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
