import type { Config } from './config/schema.ts';
import type { Logger } from './shared/logger.ts';
import type { Accounts } from './domain/accounts/bootstrap.ts';
import type { HostKey } from './sftp/host-key.ts';
import type { IncomingFolder } from './domain/incoming/folder.ts';
import type { Auth } from './domain/auth/auth.ts';
import type { AuditLog } from './domain/audit/audit.ts';
import type { RosterService } from './domain/roster/service.ts';
import type { DataFileRegistry } from './domain/roster/file-kinds.ts';
import type { ImportScheduler } from './domain/roster/scheduler.ts';
import type { DeviceService } from './domain/devices/devices.ts';
import type { IncidentService } from './domain/incidents/incidents.ts';
import type { DeviceImporter } from './domain/devices/import.ts';
import type { PhotoService } from './domain/photos/service.ts';
import type { TokenService } from './domain/tokens/tokens.ts';
import type { PhotoExports } from './domain/exports/photo-export.ts';
import type { DeliveryService } from './domain/deliveries/deliveries.ts';
import type { UserService } from './domain/users/users.ts';
import type { StatusReport } from './domain/users/status.ts';
import type { Backups } from './domain/backup/backup.ts';
import type { SftpSessions } from './domain/connections/sftp-sessions.ts';
import type { Metrics } from './domain/metrics/metrics.ts';
import type { MetricsAccess } from './domain/metrics/access.ts';
import type { Alerts } from './domain/alerts/alerts.ts';
import type { BackupSchedule } from './domain/backup/schedule.ts';
import type { CodeNames } from './domain/roster/code-names.ts';

/** Everything the edges need, built once by `createApp` (the composition root). */
export interface AppContext {
  config: Config;
  log: Logger;
  accounts: Accounts;
  hostKeys: HostKey[];
  /** What `/incoming/idphotos/` and `/incoming/data/` of the SFTP tree commit to and list, and the read-only `/reports/`. */
  folders: { idphotos: IncomingFolder; data: IncomingFolder; reports: IncomingFolder };
  /** The roster's people: lookup by Local ID, search, filters, counts. */
  users: UserService;
  /** Photo counts, missing photos, recent uploads and disk use for the admin pages. */
  status: StatusReport;
  /** A consistent copy of data_dir while running (`idphotos backup`). */
  backup: Backups;
  /** Web sign-in and sessions. */
  auth: Auth;
  /** Who viewed which profile or photo, and when. */
  audit: AuditLog;
  /** Devices, rapid check-out and check-in. */
  devices: DeviceService;
  /** Incidents against devices: staff create, admins close. */
  incidents: IncidentService;
  /** devices.csv from `/incoming/data/`, through the roster's import rules and history. */
  deviceImports: DeviceImporter;
  /** Roster imports: run, list, approve, discard (CLI, web, and the data folder's scheduler). */
  roster: RosterService;
  /** Which names `/incoming/data/` accepts and who imports each (devices.csv registers here). */
  dataFiles: DataFileRegistry;
  /** Imports committed data files after the quiet period, in upload order. */
  imports: ImportScheduler;
  /** The photo store: ingest, display images, history and restore, unmatched and refused uploads. */
  photos: PhotoService;
  /** Names for building and grade codes ([roster.buildings], [roster.grades], schools.csv / orgs.csv). */
  names: CodeNames;
  /** SFTP connections signed in now: the SFTP server reports them, the admin status page lists them. */
  sftpSessions: SftpSessions;
  /** Integration tokens: bearer tokens other systems read photos and records with. */
  tokens: TokenService;
  /** Photos out: zips and folders of current photos named by Local ID, with Destiny's idlink.txt. */
  exports: PhotoExports;
  /** Picture-day vendor deliveries (PSPA INDEX.TXT or idlink.txt zips) and the lines waiting for an admin. */
  deliveries: DeliveryService;
  /** Prometheus counters and gauges, read at `/metrics`. */
  metrics: Metrics;
  /** Who may read `/metrics` (metrics.allow, or the token). */
  metricsAccess: MetricsAccess;
  /** Alerts raised now, and what tells them a backup failed or an upload was refused. */
  alerts: Alerts;
  /** Backups taken daily at backup.schedule: the next time, the last run, those kept. */
  backupSchedule: BackupSchedule;
}
