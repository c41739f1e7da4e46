import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DiskSpace } from './disk.ts';

/** Which incoming folder an upload went to. */
export type UploadFolder = 'idphotos' | 'data';

/** What the appliance reads when Prometheus scrapes (never kept between scrapes). */
export interface MetricsSources {
  renderQueue(): { count: number; oldest: string | undefined };
  importsByStatus(): Record<string, number>;
  sftpSessions(): number;
  disk(): DiskSpace | undefined;
  /** When the newest backup finished (ISO), or undefined if none ever did. */
  lastBackupAt(): string | undefined;
  now?(): number;
}

export interface Metrics {
  /** Counts one upload that reached a folder, as accepted or refused (with a short reason). */
  upload(folder: UploadFolder, outcome: 'accepted' | 'refused', reason?: string): void;
  /** Records how long one web request took. NB: on the image path; keep it to one observe. */
  observeRequest(seconds: number): void;
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>;
  readonly contentType: string;
}

/** Every status an import can have, so a status with no imports reads 0 rather than vanishing. */
const IMPORT_STATUSES = ['applied', 'held', 'refused', 'discarded', 'skipped', 'in_progress'];

/**
 * The appliance's Prometheus metrics, in a registry of its own (a test process may run several
 * appliances). Counters are bumped by the edges as things happen; gauges are read from
 * `sources` when scraped, so a scrape shows the database and the disk as they are now.
 * @example
 * const metrics = createMetrics(sources);
 * metrics.upload('idphotos', 'refused', 'too_large');
 * await metrics.render(); // '# HELP idphotos_uploads_total …'
 */
export function createMetrics(sources: MetricsSources): Metrics {
  const registry = new Registry();
  const now = sources.now ?? Date.now;
  // NB: no collectDefaultMetrics: three of prom-client's Node.js gauges end in _total, which
  // `promtool check metrics` rejects; node_exporter covers the process and the host.

  const uploads = new Counter({
    name: 'idphotos_uploads_total',
    help: 'Uploads that completed over SFTP, by folder and outcome (accepted or refused).',
    labelNames: ['folder', 'outcome'] as const,
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'idphotos_upload_refusals_total',
    help: 'Refused uploads by folder and reason (name, too_large, format, incomplete, damaged, pixels, unavailable, other).',
    labelNames: ['folder', 'reason'] as const,
    registers: [registry],
  });
  for (const folder of ['idphotos', 'data'] as const) {
    for (const outcome of ['accepted', 'refused'] as const) uploads.inc({ folder, outcome }, 0);
  }
  new Gauge({
    name: 'idphotos_imports',
    help: 'Roster and device imports recorded, by status (held imports wait for an admin).',
    labelNames: ['status'] as const,
    registers: [registry],
    collect() {
      const counts = sources.importsByStatus();
      for (const status of new Set([...IMPORT_STATUSES, ...Object.keys(counts)])) this.set({ status }, counts[status] ?? 0);
    },
  });
  new Gauge({
    name: 'idphotos_render_queue_depth',
    help: 'Photos stored but waiting for their display images.',
    registers: [registry],
    collect() {
      this.set(sources.renderQueue().count);
    },
  });
  new Gauge({
    name: 'idphotos_render_queue_oldest_age_seconds',
    help: 'Age of the oldest photo waiting for its display images; 0 when none waits.',
    registers: [registry],
    collect() {
      const oldest = sources.renderQueue().oldest;
      this.set(oldest ? Math.max(0, (now() - Date.parse(oldest)) / 1000) : 0);
    },
  });
  new Gauge({
    name: 'idphotos_sftp_sessions',
    help: 'SFTP connections signed in now.',
    registers: [registry],
    collect() {
      this.set(sources.sftpSessions());
    },
  });
  new Gauge({
    name: 'idphotos_disk_free_bytes',
    help: 'Bytes still writable on the filesystem holding data_dir.',
    registers: [registry],
    collect() {
      this.set(sources.disk()?.free ?? Number.NaN);
    },
  });
  new Gauge({
    name: 'idphotos_disk_size_bytes',
    help: 'Size of the filesystem holding data_dir.',
    registers: [registry],
    collect() {
      this.set(sources.disk()?.total ?? Number.NaN);
    },
  });
  new Gauge({
    name: 'idphotos_last_backup_age_seconds',
    help: 'Seconds since the newest backup finished; +Inf when none ever did.',
    registers: [registry],
    collect() {
      const at = sources.lastBackupAt();
      this.set(at ? Math.max(0, (now() - Date.parse(at)) / 1000) : Number.POSITIVE_INFINITY);
    },
  });
  const requests = new Histogram({
    name: 'idphotos_web_request_duration_seconds',
    help: 'Time the web viewer spent on each request, from arrival to the response being ready.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  return {
    contentType: registry.contentType,
    upload(folder, outcome, reason) {
      uploads.inc({ folder, outcome });
      if (outcome === 'refused') refusals.inc({ folder, reason: reason ?? 'other' });
    },
    // NB: an arrow, so it can be handed on as a plain function (the web app's first middleware).
    observeRequest: (seconds) => requests.observe(seconds),
    render: () => registry.metrics(),
  };
}
