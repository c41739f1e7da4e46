import type { Logger } from '../../shared/logger.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { PhotoService } from './service.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface PurgeSummary {
  people: number;
  versions: number;
}

/**
 * One pass of `photos.retain_inactive_days`: every person inactive longer than `days` loses their
 * photos and photo history. Each person's purge is in the audit log (who: the appliance, when,
 * how many versions, since when inactive), and the pass ends with one summary line in the log,
 * even when nothing was due, so a district can show the rule runs.
 */
export function purgeInactivePhotos(photos: PhotoService, audit: AuditLog, days: number, log: Logger): PurgeSummary {
  const summary: PurgeSummary = { people: 0, versions: 0 };
  for (const due of photos.retentionDue(days)) {
    const versions = photos.purge(due.local_id);
    summary.people++;
    summary.versions += versions;
    audit.record({
      actor: 'idphotos',
      action: 'photo.purge',
      local_id: due.local_id,
      detail: `${versions} photo version${versions === 1 ? '' : 's'} removed: inactive since ${due.deactivated_at}, longer than ${days} days (photos.retain_inactive_days)`,
    });
  }
  audit.flush();
  log.info({ ...summary, days }, `photo retention: ${summary.people} inactive people's photos purged (${summary.versions} versions), older than ${days} days`);
  return summary;
}

/** Runs the purge at start and then once a day; 0 days keeps everything (and runs nothing). */
export function startPhotoRetention(photos: PhotoService, audit: AuditLog, days: number, log: Logger): { stop(): void } {
  if (days <= 0) return { stop() {} };
  const run = () => {
    try {
      purgeInactivePhotos(photos, audit, days, log);
    } catch (err) {
      log.error({ err }, 'photo retention failed; trying again tomorrow');
    }
  };
  run();
  const timer = setInterval(run, DAY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
