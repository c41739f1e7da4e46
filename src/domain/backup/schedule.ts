import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BackupConfig } from '../../config/schema.ts';
import { errorMessage } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import { isAlive } from '../../storage/photo-files.ts';

/** A scheduled backup's folder name: `idphotos-2026-12-03-0230`, local date and time it was due (a second one that minute gets `-2`). */
const NAME = /^idphotos-\d{4}-\d\d-\d\d-\d{4}(?:-\d+)?$/;
const PARTIAL = /^(idphotos-\d{4}-\d\d-\d\d-\d{4}(?:-\d+)?)\.partial-(\d+)$/;

/** A backup as the status page lists it. */
export interface BackupEntry {
  name: string;
  path: string;
  /** When it was written (the folder's mtime, ISO). */
  at: string;
}

export interface BackupRun {
  ok: boolean;
  /** When it was due (ISO) and when it ended. */
  due: string;
  ended: string;
  dest: string;
  /** The command's summary ("database: …, integrity ok") or why it failed, one line. */
  message: string;
}

export interface BackupScheduleOptions {
  config: BackupConfig;
  /** How to run `idphotos` itself: the executable (and its script when run by node). */
  command: readonly string[];
  /** The configuration file the appliance runs with ("" for the defaults). */
  configFile: string;
  log: Logger;
  now?: () => number;
  /** How often the clock is looked at; a minute by default. */
  tickMs?: number;
  onSuccess?(run: BackupRun): void;
  onFailure?(run: BackupRun): void;
  /** An old backup was deleted to keep `keep` (it held every record: the caller audits it). */
  onPruned?(backup: BackupEntry): void;
}

export interface BackupSchedule {
  start(): void;
  /** Stops the clock; a backup under way is stopped (its partial folder is removed at the next run). */
  stop(): Promise<void>;
  /** The next time a backup is due (ISO), or undefined without a schedule. */
  nextAt(): string | undefined;
  last(): BackupRun | undefined;
  /** The scheduled backups in backup.dir, the newest first. */
  list(): BackupEntry[];
}

/**
 * Takes a backup every day at `backup.schedule` (the server's local time) into a new folder of
 * `backup.dir`, by running `idphotos backup DEST` (the same copy, checks and audit entry as
 * the command), then deletes the oldest beyond `backup.keep`. NB: a child process rather than a
 * call: the copy is synchronous file work that would stall SFTP and the web viewer for its
 * whole length, and the child takes its database snapshot on a connection of its own.
 * A failure (exit code, one line of reason) goes to `onFailure`: nothing older is deleted then.
 */
export function createBackupSchedule(options: BackupScheduleOptions): BackupSchedule {
  const { config, log } = options;
  const now = options.now ?? Date.now;
  let next = config.schedule ? nextOccurrence(config.schedule, now()) : undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let child: ChildProcess | undefined;
  let last: BackupRun | undefined;
  let stopped = false;

  const tick = (): void => {
    if (next === undefined || stopped || now() < next) return;
    const due = next;
    next = nextOccurrence(config.schedule, Math.max(now(), due));
    if (running) {
      log.warn({ due: new Date(due).toISOString() }, 'scheduled backup skipped: the previous one is still running');
      return;
    }
    running = take(due).finally(() => (running = undefined));
  };

  const take = async (due: number): Promise<void> => {
    const dest = join(config.dir, freeName(config.dir, backupName(due)));
    const started = { due: new Date(due).toISOString(), dest };
    log.info(started, `scheduled backup started: ${dest}`);
    let result: { code: number | null; stdout: string; stderr: string };
    try {
      mkdirSync(config.dir, { recursive: true, mode: 0o700 });
      result = await runChild(dest);
    } catch (err) {
      result = { code: null, stdout: '', stderr: errorMessage(err) };
    }
    const ended = new Date(now()).toISOString();
    if (result.code === 0) {
      const summary = result.stdout.split('\n').find((l) => l.trim().startsWith('database:'))?.trim() ?? 'written';
      last = { ok: true, ...started, ended, message: summary };
      log.info({ ...started, summary }, `scheduled backup written to ${dest}`);
      prune();
      options.onSuccess?.(last);
    } else {
      if (stopped) return;
      const reason = lastLine(result.stderr) || `idphotos backup ended with ${result.code === null ? 'no exit code' : `exit code ${result.code}`}`;
      last = { ok: false, ...started, ended, message: reason };
      log.error({ ...started, reason }, `scheduled backup failed: ${reason}`);
      options.onFailure?.(last);
    }
  };

  const runChild = (dest: string) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const [exe, ...args] = options.command;
      const argv = [...args, 'backup', dest, ...(options.configFile ? ['--config', options.configFile] : [])];
      const proc = spawn(exe!, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, IDPHOTOS_BACKUP_BY: 'schedule' } });
      child = proc;
      let stdout = '';
      let stderr = '';
      // NB: the command prints a few lines; keep only a tail in case something prints more.
      proc.stdout!.on('data', (d) => (stdout = (stdout + d).slice(-16_384)));
      proc.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-16_384)));
      proc.once('error', reject);
      proc.once('close', (code) => {
        child = undefined;
        resolve({ code, stdout, stderr });
      });
    });

  /** Deletes scheduled backups beyond `keep` (oldest first) and what cut-off runs left. */
  const prune = (): void => {
    try {
      for (const name of readdirSync(config.dir)) {
        const partial = PARTIAL.exec(name);
        if (partial && !isAlive(Number(partial[2]))) rmSync(join(config.dir, name), { recursive: true, force: true });
      }
      const old = list().slice(config.keep);
      for (const b of old) {
        rmSync(b.path, { recursive: true, force: true });
        log.info({ backup: b.path, keep: config.keep }, `old backup deleted: ${b.name} (backup.keep = ${config.keep})`);
        options.onPruned?.(b);
      }
    } catch (err) {
      log.error({ dir: config.dir, err: errorMessage(err) }, 'could not delete old backups; trying again after the next one');
    }
  };

  const list = (): BackupEntry[] => {
    if (!config.dir || !existsSync(config.dir)) return [];
    try {
      return readdirSync(config.dir)
        .filter((n) => NAME.test(n))
        .sort(byNameNewestFirst)
        .map((name) => {
          const path = join(config.dir, name);
          return { name, path, at: statSync(path).mtime.toISOString() };
        });
    } catch {
      return [];
    }
  };

  return {
    start() {
      if (next === undefined) return;
      log.info({ dir: config.dir, schedule: config.schedule, keep: config.keep, next: new Date(next).toISOString() }, `backups scheduled daily at ${config.schedule} (server time) into ${config.dir}`);
      timer = setInterval(tick, options.tickMs ?? 60_000);
      timer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      child?.kill('SIGTERM');
      await running;
    },
    nextAt: () => (next === undefined ? undefined : new Date(next).toISOString()),
    last: () => last,
    list,
  };
}

/** The first time after `after` (ms) that the local clock shows `hhmm`. DST-safe: built from the local date. */
export function nextOccurrence(hhmm: string, after: number): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  const d = new Date(after);
  const at = new Date(d.getFullYear(), d.getMonth(), d.getDate(), h, m, 0, 0);
  if (at.getTime() <= after) at.setDate(at.getDate() + 1);
  return at.getTime();
}

/** `idphotos-YYYY-MM-DD-HHMM` in local time. */
export function backupName(due: number): string {
  const d = new Date(due);
  const p = (n: number) => String(n).padStart(2, '0');
  return `idphotos-${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}`;
}

function freeName(dir: string, base: string): string {
  if (!existsSync(join(dir, base))) return base;
  for (let i = 2; ; i++) if (!existsSync(join(dir, `${base}-${i}`))) return `${base}-${i}`;
}

/** Names sort by date and time; `-2` after the plain one of the same minute. */
function byNameNewestFirst(a: string, b: string): number {
  const key = (n: string) => {
    const m = /^(idphotos-\d{4}-\d\d-\d\d-\d{4})(?:-(\d+))?$/.exec(n)!;
    return [m[1]!, Number(m[2] ?? 1)] as const;
  };
  const [ka, na] = key(a);
  const [kb, nb] = key(b);
  return ka === kb ? nb - na : ka < kb ? 1 : -1;
}

function lastLine(text: string): string {
  return text.trim().split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? '';
}
