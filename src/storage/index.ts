import { createAlertStore, type AlertStore } from './alert-store.ts';
import { createAuditStore, type AuditStore } from './audit-store.ts';
import { migrate, migrationState, openDatabase, type Db, type OpenOptions, type Tx } from './db.ts';
import { createDeviceActionStore, type DeviceActionStore } from './device-action-store.ts';
import { createDeviceStore, type DeviceStore } from './device-store.ts';
import { createIncidentStore, type IncidentStore } from './incident-store.ts';
import { createMonitorStore, type MonitorStore } from './monitor-store.ts';
import { createPhotoStore, type PhotoStore } from './photo-store.ts';
import { createImportStore, type ImportStore } from './roster-import-store.ts';
import { createRosterApplyStore, type RosterApplyStore } from './roster-apply-store.ts';
import { createSessionRows, type SessionRows } from './session-store.ts';
import { createStaffStore, type StaffStore } from './staff-store.ts';
import { snapshotInto } from './snapshot.ts';
import { createStatusStore, type StatusStore } from './status-store.ts';
import { createUpgradeStore, type UpgradeStore } from './upgrade-store.ts';
import { createUserStore, type UserStore } from './user-store.ts';
import { createTokenStore, type TokenStore } from './token-store.ts';
import { createDeliveryStore, type DeliveryStore } from './delivery-store.ts';
import { createExportStore, type ExportStore } from './export-store.ts';
import { createImportChangeStore, type ImportChangeStore } from './import-change-store.ts';
import { createSchoolNameStore, type SchoolNameStore } from './school-name-store.ts';
import { createUploadReportStore, type UploadReportStore } from './upload-report-store.ts';
import { createHintDismissalStore, type HintDismissalStore } from './hint-dismissal-store.ts';
import { createRosterCompare, type RosterCompare } from './roster-compare.ts';

/**
 * The storage seam: one store per table group over one database. The domain and the edges hold
 * these, never the database; a second driver or another store (PostgreSQL, S3 photos) goes here.
 */
export interface Storage {
  /** The database file (its size shows on the status page). */
  readonly path: string;
  /** Runs `fn` in one transaction; see `Db.tx` for nesting, durability and the write lock. */
  readonly tx: Tx;
  readonly users: UserStore;
  readonly imports: ImportStore;
  readonly importChanges: ImportChangeStore;
  /** Roster imports accepted and still being written (finished at start-up after a crash). */
  readonly rosterApplies: RosterApplyStore;
  /** A roster import's staged rows compared with `users` by SQLite. */
  readonly rosterCompare: RosterCompare;
  readonly schoolNames: SchoolNameStore;
  readonly uploadReports: UploadReportStore;
  readonly hintDismissals: HintDismissalStore;
  readonly devices: DeviceStore;
  readonly deviceActions: DeviceActionStore;
  readonly incidents: IncidentStore;
  readonly photos: PhotoStore;
  readonly sessions: SessionRows;
  /** Everyone who has signed in to the web viewer, and who is blocked. */
  readonly staff: StaffStore;
  readonly audit: AuditStore;
  readonly status: StatusStore;
  /** Integration tokens (hashes only). */
  readonly tokens: TokenStore;
  /** Vendor deliveries and their lines. */
  readonly deliveries: DeliveryStore;
  /** Which current photos an export takes. */
  readonly exports: ExportStore;
  readonly upgrades: UpgradeStore;
  /**
   * Migrations the database has and lacks (opened with `migrate: false`): both non-empty means
   * an older version wrote it. Throws for a database a newer version wrote.
   */
  migrationState(): { applied: string[]; pending: string[] };
  /** Applies the pending migrations in one transaction; returns their ids. */
  migrate(): string[];
  /** Counts the metrics and alerts watch (render queue, imports by status, held imports). */
  readonly monitor: MonitorStore;
  /** The alerts raised and not yet resolved. */
  readonly alerts: AlertStore;
  /** See `Db.autoCheckpoint`: off while a long write checkpoints for itself. */
  autoCheckpoint(on: boolean): void;
  /** See `Db.pageCache`: a smaller page cache while a roster import runs. */
  pageCache(kib?: number): void;
  /** See `Db.checkpoint`: a WAL checkpoint whose fsyncs run off the event loop. */
  checkpoint(): Promise<void>;
  /** A consistent copy of the database at `path`, taken beside running writers. */
  snapshotTo(path: string): void;
  close(): void;
}

const databases = new WeakMap<Storage, Db>();

/** Opens the database at `path` (creating and migrating it unless told otherwise) and its stores. */
export function openStorage(path: string, options: OpenOptions = {}): Storage {
  const db = openDatabase(path, options);
  const storage: Storage = {
    path,
    tx: db.tx,
    users: createUserStore(db),
    imports: createImportStore(db),
    importChanges: createImportChangeStore(db),
    rosterApplies: createRosterApplyStore(db),
    rosterCompare: createRosterCompare(db),
    schoolNames: createSchoolNameStore(db),
    uploadReports: createUploadReportStore(db),
    hintDismissals: createHintDismissalStore(db),
    devices: createDeviceStore(db),
    deviceActions: createDeviceActionStore(db),
    incidents: createIncidentStore(db),
    photos: createPhotoStore(db),
    sessions: createSessionRows(db),
    staff: createStaffStore(db),
    audit: createAuditStore(db),
    status: createStatusStore(db),
    tokens: createTokenStore(db),
    deliveries: createDeliveryStore(db),
    exports: createExportStore(db),
    upgrades: createUpgradeStore(db),
    migrationState: () => {
      const { applied, pending } = migrationState(db);
      return { applied, pending: pending.map((m) => m.id) };
    },
    migrate: () => migrate(db),
    monitor: createMonitorStore(db),
    alerts: createAlertStore(db),
    autoCheckpoint: (on) => db.autoCheckpoint(on),
    pageCache: (kib) => db.pageCache(kib),
    checkpoint: () => db.checkpoint(),
    snapshotTo: (dest) => snapshotInto(db, dest),
    close: () => db.close(),
  };
  databases.set(storage, db);
  return storage;
}

/**
 * The database under a storage, for tests and benchmarks that seed or inspect tables directly.
 * NB: product code never calls this: it goes through the stores.
 */
export function databaseOf(storage: Storage): Db {
  const db = databases.get(storage);
  if (!db) throw new Error('not a storage opened by openStorage');
  return db;
}

export type { Tx, TxOptions } from './db.ts';
/** The SQLite binding this runtime uses (`better-sqlite3` under Node, `node:sqlite` under Deno). */
export { DRIVER as SQLITE_DRIVER } from './db.ts';
