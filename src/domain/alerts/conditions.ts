import type { AlertsConfig } from '../../config/schema.ts';
import type { DiskSpace } from '../metrics/disk.ts';

/** A cause that holds now: raised once, resolved once it no longer holds. */
export interface Condition {
  /** Stable name: the same trouble keeps the same cause across checks and restarts. */
  cause: string;
  title: string;
  detail: string;
}

/** What the checks look at, read once per check. */
export interface Observed {
  now: number;
  /** When the appliance started: "no backup yet" counts from here. */
  startedAt: number;
  heldImports: { id: number; file: string; received_at: string; reason: string }[];
  /** Uploads refused within the last hour (counted up to the threshold). */
  refusedLastHour: number;
  renderQueue: { count: number; oldest: string | undefined };
  disk: DiskSpace | undefined;
  lastBackupAt: string | undefined;
}

const HOUR_MS = 60 * 60 * 1000;

/**
 * The causes that hold in `o`, by the thresholds of [alerts]. Pure: the alert engine decides
 * what is new and what is resolved. `refusing` says whether refused uploads are raised already:
 * once raised they stay until the hour holds fewer than half the threshold, so a steady trickle
 * around the threshold does not send an alert and a resolve every few minutes.
 */
export function conditions(config: AlertsConfig, o: Observed, refusing: boolean): Condition[] {
  const found: Condition[] = [];
  for (const held of o.heldImports) {
    found.push({
      cause: `import-held:${held.id}`,
      title: `roster import ${held.id} (${held.file}) is held for an admin`,
      detail: `${held.file}, received ${held.received_at}, was held and not applied: ${held.reason || 'see the import for why'}. Approve or discard it on the Imports page (/admin/imports).`,
    });
  }

  const limit = config.refused_per_hour;
  if (o.refusedLastHour >= limit || (refusing && o.refusedLastHour >= Math.ceil(limit / 2))) {
    found.push({
      cause: 'uploads-refused',
      title: `${o.refusedLastHour >= limit ? `${limit} or more` : o.refusedLastHour} uploads refused in the last hour`,
      detail: `At least ${o.refusedLastHour} SFTP uploads were refused in the last hour (alerts.refused_per_hour = ${limit}). Each refusal and its reason are on the Photos page (/admin/photos) and the Imports page (/admin/imports): a sync job may be sending wrong names, damaged files or files too large.`,
    });
  }

  if (o.disk && config.min_free_percent > 0 && o.disk.total > 0) {
    const percent = (o.disk.free / o.disk.total) * 100;
    if (percent < config.min_free_percent) {
      found.push({
        cause: 'disk-low',
        title: `disk of data_dir ${percent.toFixed(1)}% free`,
        detail: `${gib(o.disk.free)} of ${gib(o.disk.total)} free (${percent.toFixed(1)}%, below alerts.min_free_percent = ${config.min_free_percent}%). Uploads are refused once the disk is full: free space, or move data_dir to a larger disk.`,
      });
    }
  }

  const stuckMs = config.render_stuck_minutes * 60_000;
  const oldest = o.renderQueue.oldest ? Date.parse(o.renderQueue.oldest) : undefined;
  if (o.renderQueue.count > 0 && oldest !== undefined && o.now - oldest >= stuckMs) {
    found.push({
      cause: 'render-stuck',
      title: `${o.renderQueue.count} photos waiting for display images since ${o.renderQueue.oldest}`,
      detail: `The oldest photo waiting for its display images arrived ${minutes(o.now - oldest)} ago (alerts.render_stuck_minutes = ${config.render_stuck_minutes}). The photos are stored; the log says why their display images cannot be written ("could not be written; retrying"), often a full or read-only disk.`,
    });
  }

  if (config.backup_overdue_hours > 0) {
    const last = o.lastBackupAt ? Date.parse(o.lastBackupAt) : undefined;
    const since = last ?? o.startedAt;
    if (o.now - since >= config.backup_overdue_hours * HOUR_MS) {
      found.push({
        cause: 'backup-overdue',
        title: last ? `no backup since ${o.lastBackupAt}` : 'no backup has ever been taken',
        detail: `${last ? `The last backup finished ${hours(o.now - last)} ago` : 'No backup of this appliance is recorded'} (alerts.backup_overdue_hours = ${config.backup_overdue_hours}). Set [backup] dir and schedule, or run idphotos backup from a nightly job.`,
      });
    }
  }
  return found;
}

function gib(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

function minutes(ms: number): string {
  return `${Math.round(ms / 60_000)} minutes`;
}

function hours(ms: number): string {
  return `${Math.round(ms / HOUR_MS)} hours`;
}
