import { join } from 'node:path';
import type { Config } from './config/schema.ts';
import { redactConfig } from './config/parse.ts';
import type { AppContext } from './context.ts';
import { resolveAccounts, type GeneratedCredential } from './domain/accounts/bootstrap.ts';
import { createLogger } from './shared/logger.ts';
import { SQLITE_DRIVER, type Storage } from './storage/index.ts';
import { openDataStorage } from './domain/backup/upgrade.ts';
import { ensureWritableDir } from './storage/files.ts';
import { makeFolderPrivate, makePrivate, privateUmask, type PrivateFix } from './storage/private-files.ts';
import { DirectoryFolder } from './domain/incoming/directory-folder.ts';
import { RosterService } from './domain/roster/service.ts';
import { DataFileRegistry, registerRosterFiles } from './domain/roster/file-kinds.ts';
import { ImportScheduler } from './domain/roster/scheduler.ts';
import { DataFolder } from './domain/roster/data-folder.ts';
import { catchUpUploads } from './domain/roster/catch-up.ts';
import { CodeNames, SCHOOL_FILES, SCHOOLS_KIND } from './domain/roster/code-names.ts';
import { UploadReports } from './domain/reports/upload-reports.ts';
import { createReportsFolder } from './domain/reports/reports-folder.ts';
import { dataOutcomes, photoOutcomes } from './domain/reports/outcomes.ts';
import { resolveTimezone } from './shared/time.ts';
import { createAuth } from './domain/auth/auth.ts';
import { createDirectories } from './domain/auth/directory.ts';
import { createAuditLog } from './domain/audit/audit.ts';
import { startAuditRetention } from './domain/audit/retention.ts';
import { startPhotoRetention } from './domain/photos/retention.ts';
import { DeviceService } from './domain/devices/devices.ts';
import { IncidentService } from './domain/incidents/incidents.ts';
import { DeviceImporter, DEVICES_FILE, DEVICES_KIND } from './domain/devices/import.ts';
import { createPhotoService, type PhotoServiceOptions } from './domain/photos/service.ts';
import { createUserService } from './domain/users/users.ts';
import { createStatusReport } from './domain/users/status.ts';
import { createBackups } from './domain/backup/backup.ts';
import { createTokenService } from './domain/tokens/tokens.ts';
import { createPhotoExports } from './domain/exports/photo-export.ts';
import { createDeliveryService } from './domain/deliveries/deliveries.ts';
import { deliveryOutcomes, withDeliveries } from './domain/deliveries/folder.ts';
import { createSftpSessions } from './domain/connections/sftp-sessions.ts';
import type { RunningServer } from './web/server.ts';
import { VERSION } from './version.ts';
import { createMetrics } from './domain/metrics/metrics.ts';
import { createMetricsAccess, type MetricsAccess } from './domain/metrics/access.ts';
import { diskSpace } from './domain/metrics/disk.ts';
import { observeFolder, type UploadObserver } from './domain/metrics/observed-folder.ts';
import { createAlerts } from './domain/alerts/alerts.ts';
import { createDelivery, DEFAULT_RETRY, mailChannel, webhookChannel, type Channel, type RetryPolicy } from './domain/alerts/delivery.ts';
import { createBackupSchedule } from './domain/backup/schedule.ts';

export interface App {
  ctx: AppContext;
  /** The stores under the services (tests seed and inspect through it; the edges never see it). */
  storage: Storage;
  /** Credentials generated on this start (first start only), to be shown once. */
  generated: GeneratedCredential[];
  start(): Promise<{ sftpPort: number; webPort: number }>;
  /** Stops accepting, lets in-flight work finish (up to graceMs), closes the database. */
  stop(graceMs?: number): Promise<void>;
}

export interface AppOverrides {
  /**
   * `command`: a one-shot CLI command beside a running server on the same data_dir. No account
   * or host key is generated (the first `serve` does that and shows the passwords), and
   * `start()` is refused. Default `serve`.
   */
  mode?: 'serve' | 'command';
  /** Apply pending migrations (default true). `backup` never migrates a database a server may be using. */
  migrate?: boolean;
  /** For crash tests: called at each durable step of a photo commit (may never resolve). */
  photoHooks?: PhotoServiceOptions['hooks'];
  /** How to run `idphotos` itself (the scheduled backup runs `idphotos backup`); `serve` passes it, and backup.schedule needs it. */
  selfCommand?: readonly string[];
  /** The clock of the alert checks and the backup schedule, in milliseconds since the epoch (tests move it forward). */
  now?: () => number;
  /** How alerts are retried (tests shorten the back-off). */
  alertRetry?: RetryPolicy;
  /** How often alert conditions are checked by themselves (a minute by default). */
  alertCheckEveryMs?: number;
  /** How often the backup schedule looks at the clock (a minute by default). */
  backupTickMs?: number;
}

/**
 * The composition root, for `serve`, every CLI command and the tests. Builds everything from
 * the typed configuration in a fixed order: data dir → database and migrations → accounts →
 * host keys → services. Nothing listens until `start()`.
 */
export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const log = createLogger('app');
  const serving = overrides.mode !== 'command';
  privateUmask();
  ensureWritableDir(config.data_dir, 'data_dir');
  // data_dir and its own files are made private at once (then no one else reaches anything in it); the walk
  // that tightens every file in it runs in the background once serving (see start()): it is
  // 4 files per photo, about 35 s of start-up for a million photos when it ran here. A one-shot
  // command only creates its own files privately (the umask).
  const rootFix = serving ? makeFolderPrivate(config.data_dir) : { folders: 0, files: 0, examples: [] };
  const storage = openDataStorage(config.data_dir, log, { migrate: overrides.migrate ?? true });
  try {
    const { accounts, generated } = serving ? await resolveAccounts(config) : { accounts: { sftp: config.sftp.accounts, web: config.web.accounts }, generated: [] };
    // NB: the edges (ssh2, hono and every page) load only to serve: a CLI command starts in half the time without them.
    const hostKeys = serving ? (await import('./sftp/host-key.ts')).loadHostKeys(config.data_dir, config.sftp.host_keys) : [];
    const roster = new RosterService({ storage, config: config.roster, dataDir: config.data_dir, log: createLogger('roster') });
    const dataFiles = new DataFileRegistry();
    const names = new CodeNames({ storage, buildings: config.roster.buildings, grades: config.roster.grades, log: createLogger('roster') });
    for (const name of SCHOOL_FILES) {
      dataFiles.register({ name, kind: SCHOOLS_KIND, description: 'building names', run: (job) => names.importFile(job) });
    }
    const audit = createAuditLog(storage.audit);
    // Alerts first: imports and uploads tell them what happened.
    const alerts = createAlerts({
      config: config.alerts,
      store: storage.alerts,
      sources: {
        heldImports: () => storage.monitor.heldImports(),
        renderQueue: () => storage.monitor.pendingRenders(),
        disk: () => diskSpace(config.data_dir),
        lastBackupAt: () => audit.lastBackup()?.at,
      },
      delivery: createDelivery(alertChannels(config.alerts), createLogger('alerts'), overrides.alertRetry),
      log: createLogger('alerts'),
      now: overrides.now,
      checkEveryMs: overrides.alertCheckEveryMs,
    });
    // An import may have been held (or a held one superseded): checked as soon as it ends. NB: by
    // the server only; a command (`idphotos import`) leaves it to the server's next check.
    const checked = <T>(work: Promise<T>): Promise<T> => (serving ? work.finally(() => alerts.check()) : work);
    registerRosterFiles(dataFiles, config.roster, (job) => checked(roster.importFile({ path: job.path, file: job.name, origin: job.origin })));
    const deviceImports = new DeviceImporter({ storage, config: config.roster, dataDir: config.data_dir, log: createLogger('devices') });
    dataFiles.register({ name: DEVICES_FILE, kind: DEVICES_KIND, description: 'devices', run: (job) => checked(deviceImports.importFile({ path: job.path, file: job.name, origin: job.origin })) });
    roster.delegateKind(DEVICES_KIND, deviceImports);
    const imports = new ImportScheduler({ quietMs: config.roster.quiet_seconds * 1000, registry: dataFiles, log: createLogger('imports') });
    const photos = createPhotoService({ storage, dataDir: config.data_dir, config: config.photos, maxBytes: config.sftp.max_photo_bytes, log: createLogger('photos'), hooks: overrides.photoHooks });
    const deliveries = createDeliveryService({ store: storage.deliveries, photos, audit, dataDir: config.data_dir, maxImageBytes: config.sftp.max_photo_bytes, log: createLogger('deliveries') });
    const sftpSessions = createSftpSessions();
    const metrics = createMetrics({
      renderQueue: () => storage.monitor.pendingRenders(),
      importsByStatus: () => storage.monitor.importsByStatus(),
      sftpSessions: () => sftpSessions.count(),
      disk: () => diskSpace(config.data_dir),
      lastBackupAt: () => audit.lastBackup()?.at,
    });
    // NB: the token file is read by the server only: a command never answers /metrics.
    const metricsAccess: MetricsAccess = serving ? createMetricsAccess(config.metrics) : { allows: () => false };
    const onUpload: UploadObserver = (folder, outcome, reason) => {
      metrics.upload(folder, outcome, reason);
      if (outcome === 'refused') alerts.refusedUpload();
    };
    const timezone = resolveTimezone(config.timezone);
    // /reports/ records what each upload session delivered, inside the metrics' observation.
    const reports = new UploadReports({ store: storage.uploadReports, timezone, log: createLogger('reports') });
    const data = new DataFolder(
      new DirectoryFolder({ name: 'data', dir: join(config.data_dir, 'incoming', 'data'), maxBytes: config.sftp.max_data_bytes, allowedExtensions: ['.csv'] }),
      dataFiles,
      (job) => imports.enqueue(job),
      (refusal) => roster.recordRefusedUpload(refusal),
    );
    const folders = {
      idphotos: observeFolder(reports.wrap(withDeliveries(photos.folder, deliveries, config.sftp.max_delivery_bytes), deliveryOutcomes(deliveries, photoOutcomes(photos, photos.folder))), 'idphotos', onUpload),
      data: observeFolder(reports.wrap(data, dataOutcomes(data)), 'data', onUpload),
      reports: createReportsFolder({ store: storage.uploadReports, timezone, dir: join(config.data_dir, 'reports'), imports: roster }),
    };
    // Commands (import, photos, …) sign no one in: they need neither the directories nor their secrets.
    const directories = serving ? await createDirectories(config.web, createLogger('directory')) : undefined;
    if (directories) {
      directories.onRevoked = (person, reason) => {
        audit.record({ actor: person.identity, action: 'signin.revoked', detail: `${person.method}: ${reason}`, ip: '' });
        log.info({ user: person.identity, method: person.method, reason }, 'directory ended the sessions of a signed-in person');
      };
    }
    const auth = createAuth(storage, config.web, accounts.web, directories);
    const devices = new DeviceService(storage);
    const incidents = new IncidentService(storage);
    const users = createUserService(storage.users);
    const status = createStatusReport(storage.status, { dataDir: config.data_dir, dbPath: storage.path });
    const backup = createBackups(storage, config.data_dir);
    if (serving && config.backup.schedule && !overrides.selfCommand?.length) throw new Error('backup.schedule is set but createApp was not told how to run idphotos backup (selfCommand)');
    const backupSchedule = createBackupSchedule({
      config: serving ? config.backup : { ...config.backup, schedule: '' },
      command: overrides.selfCommand ?? [],
      configFile: config.config_file,
      log: createLogger('backup'),
      now: overrides.now,
      tickMs: overrides.backupTickMs,
      onSuccess: () => alerts.backupSucceeded(),
      onFailure: (run) => alerts.backupFailed(run.message),
      onPruned: (b) => audit.record({ actor: 'idphotos:schedule', action: 'admin.action', detail: `old backup ${b.path} deleted (backup.keep = ${config.backup.keep})` }),
    });
    const ctx: AppContext = {
      config, log, accounts, hostKeys, folders, users, status, backup, auth, audit, devices, incidents, deviceImports, roster, dataFiles, imports, photos, names,
      sftpSessions, metrics, metricsAccess, alerts, backupSchedule,
      tokens: createTokenService(storage.tokens, audit),
      exports: createPhotoExports(storage.exports, photos, audit),
      deliveries,
    };
    return makeApp(ctx, storage, generated, serving, rootFix);
  } catch (err) {
    storage.close();
    throw err;
  }
}

function makeApp(ctx: AppContext, storage: Storage, generated: GeneratedCredential[], serving: boolean, rootFix: PrivateFix): App {
  const running: RunningServer[] = [];
  const stopWalk = new AbortController();
  let privateWalk: Promise<void> | undefined;
  let retention: ReturnType<typeof startAuditRetention> | undefined;
  let photoRetention: ReturnType<typeof startPhotoRetention> | undefined;
  return {
    ctx,
    storage,
    generated,
    async start() {
      if (!serving) throw new Error('this app was created for a command (mode: command): it cannot serve');
      ctx.auth.sessions.purgeExpired();
      ctx.log.info({ version: VERSION, runtime: runtimeName(), sqlite: SQLITE_DRIVER, config: redactConfig(ctx.config) }, 'starting idphotos');
      // Finish or drop uploads a crash interrupted before anyone can see the photo store.
      await ctx.photos.start();
      // Deliveries a stop cut off continue in the background through the photo store.
      ctx.deliveries.start().catch((err) => ctx.log.error({ err }, 'could not resume vendor deliveries'));
      // Same for roster imports a crash cut off: an accepted one is finished, one not yet decided
      // is dropped (catch-up below redoes it) and work copies go.
      await ctx.roster.resume();
      ctx.roster.removeDeadWork();
      const [{ startWebServer }, { createWebApp, webFront }, { startSftpServer }] = await Promise.all([import('./web/server.ts'), import('./web/app.ts'), import('./sftp/server.ts')]);
      const web = await startWebServer(createWebApp(ctx), ctx.config.web, webFront(ctx));
      running.push(web);
      ctx.log.info({ address: ctx.config.web.listen.host, port: web.port }, `web listening on ${hostPort(ctx.config.web.listen.host, web.port)}`);
      const sftp = await startSftpServer(ctx);
      running.push(sftp);
      ctx.log.info(
        { address: ctx.config.sftp.listen.host, port: sftp.port, host_keys: ctx.hostKeys.map((k) => k.fingerprint) },
        `sftp listening on ${hostPort(ctx.config.sftp.listen.host, sftp.port)}`,
      );
      // Roster files that arrived just before the last stop were never imported.
      catchUpUploads(ctx.folders.data, ctx.dataFiles, ctx.roster, ctx.imports).catch((err) => ctx.log.error({ err }, 'roster catch-up failed'));
      photoRetention = startPhotoRetention(ctx.photos, ctx.audit, ctx.config.photos.retain_inactive_days, createLogger('retention'));
      retention = startAuditRetention(ctx.audit, ctx.config.web.audit_retention_days, createLogger('audit'));
      ctx.alerts.start();
      ctx.backupSchedule.start();
      privateWalk = makePrivate(ctx.config.data_dir, stopWalk.signal).then(
        (fix) => {
          const folders = rootFix.folders + fix.folders;
          const files = rootFix.files + fix.files;
          if (!folders && !files) return;
          ctx.log.warn(
            { folders, files, examples: [...rootFix.examples, ...fix.examples].slice(0, 5) },
            `data_dir was readable by others: made ${folders} folders 0700 and ${files} files 0600 (it holds student records)`,
          );
        },
        (err) => ctx.log.error({ err }, 'could not make every file in data_dir private'),
      );
      return { sftpPort: sftp.port, webPort: web.port };
    },
    async stop(graceMs = 8000) {
      stopWalk.abort();
      await Promise.all(running.splice(0).map((s) => s.close(graceMs)));
      await privateWalk;
      await ctx.deliveries.stop();
      await ctx.photos.stop();
      await ctx.imports.stop();
      // An approval from the web runs outside the scheduler; its apply finishes before the database closes.
      await ctx.roster.idle();
      await retention?.stop();
      photoRetention?.stop();
      await ctx.backupSchedule.stop();
      await ctx.alerts.stop();
      ctx.audit.close();
      storage.close();
      // NB: a command's stdout is its report: only a server says it stopped.
      if (serving) ctx.log.info('stopped');
    },
  };
}

/** The channels [alerts] names: a webhook, mail, both or neither (then alerts are logged and listed only). */
function alertChannels(config: Config['alerts']): Channel[] {
  const channels: Channel[] = [];
  if (config.webhook_url) channels.push(webhookChannel(config.webhook_url));
  if (config.smtp_url) channels.push(mailChannel({ smtpUrl: config.smtp_url, from: config.from, to: config.to, timeoutMs: DEFAULT_RETRY.timeoutMs }));
  return channels;
}

/** `node 20.20.2` or `deno 2.9.6`: which runtime serves, for whoever reads the log. */
function runtimeName(): string {
  const deno = (globalThis as { Deno?: { version: { deno: string } } }).Deno;
  return deno ? `deno ${deno.version.deno}` : `node ${process.versions.node}`;
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
