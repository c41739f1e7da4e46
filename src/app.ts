import { join } from 'node:path';
import type { Config } from './config/schema.ts';
import { redactConfig } from './config/parse.ts';
import type { AppContext } from './context.ts';
import { resolveAccounts, type GeneratedCredential } from './domain/accounts/bootstrap.ts';
import { createLogger } from './shared/logger.ts';
import { openDatabase } from './storage/db.ts';
import { ensureWritableDir } from './storage/files.ts';
import { loadHostKeys } from './sftp/host-key.ts';
import { DirectoryFolder } from './domain/incoming/directory-folder.ts';
import { RosterService } from './domain/roster/service.ts';
import { DataFileRegistry, registerRosterFiles } from './domain/roster/file-kinds.ts';
import { ImportScheduler } from './domain/roster/scheduler.ts';
import { DataFolder } from './domain/roster/data-folder.ts';
import { catchUpUploads } from './domain/roster/catch-up.ts';
import { startSftpServer } from './sftp/server.ts';
import { createWebApp } from './web/app.ts';
import { createAuth } from './domain/auth/auth.ts';
import { createAuditLog } from './domain/audit/audit.ts';
import { startAuditRetention } from './domain/audit/retention.ts';
import { DeviceService } from './domain/devices/devices.ts';
import { IncidentService } from './domain/incidents/incidents.ts';
import { DeviceImporter, DEVICES_FILE, DEVICES_KIND } from './domain/devices/import.ts';
import { createPhotoService } from './domain/photos/service.ts';
import { createSftpSessions } from './domain/connections/sftp-sessions.ts';
import { startWebServer, type RunningServer } from './web/server.ts';
import { VERSION } from './version.ts';
import { createMonitorStore } from './storage/monitor-store.ts';
import { createMetrics } from './domain/metrics/metrics.ts';
import { createMetricsAccess } from './domain/metrics/access.ts';
import { diskSpace } from './domain/metrics/disk.ts';
import { createAlerts } from './domain/alerts/alerts.ts';
import { createDelivery, DEFAULT_RETRY, mailChannel, webhookChannel, type Channel, type RetryPolicy } from './domain/alerts/delivery.ts';
import { createAlertStore } from './storage/alert-store.ts';
import { createBackupSchedule } from './domain/backup/schedule.ts';
import { observeFolder, type UploadObserver } from './domain/metrics/observed-folder.ts';

export interface App {
  ctx: AppContext;
  /** Credentials generated on this start (first start only), to be shown once. */
  generated: GeneratedCredential[];
  start(): Promise<{ sftpPort: number; webPort: number }>;
  /** Stops accepting, lets in-flight work finish (up to graceMs), closes the database. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The composition root. Builds everything from the typed configuration in a fixed order:
 * data dir → database and migrations → accounts → host keys → services. Nothing listens
 * until `start()`.
 */
/** What the serve command passes (selfCommand), and what tests change in the appliance they start. */
export interface AppOverrides {
  /** How to run `idphotos` itself (the scheduled backup runs `idphotos backup`); needed with backup.schedule. */
  selfCommand?: readonly string[];
  /** How often the backup schedule looks at the clock (a minute by default). */
  backupTickMs?: number;
  /** The clock of the alert checks and the backup schedule (milliseconds since the epoch). */
  now?: () => number;
  /** How alerts are retried (tests shorten the back-off). */
  alertRetry?: RetryPolicy;
  /** How often alert conditions are checked by themselves. */
  alertCheckEveryMs?: number;
}

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const log = createLogger('app');
  ensureWritableDir(config.data_dir, 'data_dir');
  const db = openDatabase(join(config.data_dir, 'idphotos.db'));
  try {
    const audit = createAuditLog(db);
    const { accounts, generated } = await resolveAccounts(config);
    const hostKeys = loadHostKeys(config.data_dir, config.sftp.host_keys);
    const roster = new RosterService({ db, config: config.roster, dataDir: config.data_dir, log: createLogger('roster') });
    const dataFiles = new DataFileRegistry();
    // Alerts first: imports and uploads tell them what happened.
    const monitor = createMonitorStore(db);
    const alerts = createAlerts({
      config: config.alerts,
      store: createAlertStore(db),
      sources: {
        heldImports: () => monitor.heldImports(),
        renderQueue: () => monitor.pendingRenders(),
        disk: () => diskSpace(config.data_dir),
        lastBackupAt: () => audit.lastBackup()?.at,
      },
      delivery: createDelivery(alertChannels(config.alerts), createLogger('alerts'), overrides.alertRetry),
      log: createLogger('alerts'),
      now: overrides.now,
      checkEveryMs: overrides.alertCheckEveryMs,
    });
    // An import may have been held (or a held one superseded): checked as soon as it ends.
    const checked = <T>(work: Promise<T>) => work.finally(() => alerts.check());
    registerRosterFiles(dataFiles, config.roster, (job) => checked(roster.importFile({ path: job.path, file: job.name, origin: job.origin })));
    const deviceImports = new DeviceImporter({ db, config: config.roster, dataDir: config.data_dir, log: createLogger('devices') });
    dataFiles.register({ name: DEVICES_FILE, kind: DEVICES_KIND, description: 'devices', run: (job) => checked(deviceImports.importFile({ path: job.path, file: job.name, origin: job.origin })) });
    roster.delegateKind(DEVICES_KIND, deviceImports);
    const imports = new ImportScheduler({ quietMs: config.roster.quiet_seconds * 1000, registry: dataFiles, log: createLogger('imports') });
    const photos = createPhotoService({ db, dataDir: config.data_dir, config: config.photos, maxBytes: config.sftp.max_photo_bytes, log: createLogger('photos') });
    const sftpSessions = createSftpSessions();
    const metrics = createMetrics({
      renderQueue: () => monitor.pendingRenders(),
      importsByStatus: () => monitor.importsByStatus(),
      sftpSessions: () => sftpSessions.count(),
      disk: () => diskSpace(config.data_dir),
      lastBackupAt: () => audit.lastBackup()?.at,
    });
    const metricsAccess = createMetricsAccess(config.metrics);
    const onUpload: UploadObserver = (folder, outcome, reason) => {
      metrics.upload(folder, outcome, reason);
      if (outcome === 'refused') alerts.refusedUpload();
    };
    const folders = {
      idphotos: observeFolder(photos.folder, 'idphotos', onUpload),
      data: observeFolder(new DataFolder(
        new DirectoryFolder({ name: 'data', dir: join(config.data_dir, 'incoming', 'data'), maxBytes: config.sftp.max_data_bytes, allowedExtensions: ['.csv'] }),
        dataFiles,
        (job) => imports.enqueue(job),
        (refusal) => roster.recordRefusedUpload(refusal),
      ), 'data', onUpload),
    };
    const auth = createAuth(db, config.web, accounts.web);
    auth.sessions.purgeExpired();
    const devices = new DeviceService(db);
    const incidents = new IncidentService(db);
    if (config.backup.schedule && !overrides.selfCommand?.length) throw new Error('backup.schedule is set but createApp was not told how to run idphotos backup (selfCommand)');
    const backups = createBackupSchedule({
      config: config.backup,
      command: overrides.selfCommand ?? [],
      configFile: config.config_file,
      log: createLogger('backup'),
      now: overrides.now,
      tickMs: overrides.backupTickMs,
      onSuccess: () => alerts.backupSucceeded(),
      onFailure: (run) => alerts.backupFailed(run.message),
      onPruned: (b) => audit.record({ actor: 'idphotos:schedule', action: 'admin.action', detail: `old backup ${b.path} deleted (backup.keep = ${config.backup.keep})` }),
    });
    const ctx: AppContext = { config, db, log, accounts, hostKeys, folders, auth, audit, devices, incidents, deviceImports, roster, dataFiles, imports, photos, sftpSessions, metrics, metricsAccess, alerts, backups };
    return makeApp(ctx, generated);
  } catch (err) {
    db.close();
    throw err;
  }
}

function makeApp(ctx: AppContext, generated: GeneratedCredential[]): App {
  const running: RunningServer[] = [];
  let retention: ReturnType<typeof startAuditRetention> | undefined;
  return {
    ctx,
    generated,
    async start() {
      ctx.log.info({ version: VERSION, config: redactConfig(ctx.config) }, 'starting idphotos');
      // Finish or drop uploads a crash interrupted before anyone can see the photo store.
      await ctx.photos.start();
      // Same for roster imports a crash cut off: their work copies go; catch-up below redoes them.
      ctx.roster.removeDeadWork();
      const web = await startWebServer(createWebApp(ctx), ctx.config.web);
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
      retention = startAuditRetention(ctx.audit, ctx.config.web.audit_retention_days, createLogger('audit'));
      ctx.alerts.start();
      ctx.backups.start();
      return { sftpPort: sftp.port, webPort: web.port };
    },
    async stop(graceMs = 8000) {
      await Promise.all(running.splice(0).map((s) => s.close(graceMs)));
      await ctx.photos.stop();
      await ctx.imports.stop();
      await retention?.stop();
      await ctx.backups.stop();
      await ctx.alerts.stop();
      ctx.audit.close();
      ctx.db.close();
      ctx.log.info('stopped');
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

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
