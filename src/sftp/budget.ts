import { readFileSync } from 'node:fs';
import { AppError } from '../shared/errors.ts';

export interface BudgetLimits {
  /** Open file and folder handles of one account, over all its sessions. */
  handlesPerAccount: number;
  /** Open handles of every account together. */
  handles: number;
  /** Bytes one account holds in staged (`*.filepart`) and in-progress uploads. */
  bytesPerAccount: number;
  /** Bytes every account together holds in staged and in-progress uploads. */
  bytes: number;
  /** Staged and in-progress files of one account (each is a file on disk, however small). */
  filesPerAccount: number;
}

interface Charge {
  account: string;
  bytes: number;
}

/**
 * What SFTP clients can make the appliance hold beyond a session's own limits: open handles
 * (each file handle is a file descriptor, and the process has a fixed number of them shared
 * with the web server and the database) and bytes in staging (a `.filepart` outlives its
 * connection). One account reaching its share is refused plainly; the others keep working.
 */
export class UploadBudget {
  private readonly handles = new Map<string, number>();
  private totalHandles = 0;
  private readonly bytes = new Map<string, number>();
  private totalBytes = 0;
  /** Bytes charged per file (staged file or private upload), keyed by its path on disk. */
  private readonly files = new Map<string, Charge>();
  private readonly fileCounts = new Map<string, number>();

  constructor(readonly limits: BudgetLimits) {}

  /** Takes one handle for `account`, or throws a refusal naming the limit reached. */
  openHandle(account: string): () => void {
    const mine = this.handles.get(account) ?? 0;
    if (mine >= this.limits.handlesPerAccount) {
      throw new AppError('unavailable', `${account} has ${mine} files open over all its sessions (limit ${this.limits.handlesPerAccount}, sftp.max_open_handles_per_account); close some and try again`);
    }
    if (this.totalHandles >= this.limits.handles) {
      throw new AppError('unavailable', `the appliance has ${this.totalHandles} SFTP files open (limit ${this.limits.handles}, sftp.max_open_handles); try again shortly`);
    }
    this.handles.set(account, mine + 1);
    this.totalHandles++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.totalHandles--;
      const n = (this.handles.get(account) ?? 1) - 1;
      if (n > 0) this.handles.set(account, n);
      else this.handles.delete(account);
    };
  }

  /**
   * Sets what `file` holds to `size` bytes, charged to `account`; throws a refusal (and
   * changes nothing) when growing it would pass a limit, unless `force` (bytes already on
   * disk at start). Shrinking always succeeds.
   */
  charge(account: string, file: string, size: number, opts: { force?: boolean } = {}): void {
    const before = this.files.get(file);
    const delta = size - (before?.bytes ?? 0);
    const count = this.fileCounts.get(account) ?? 0;
    if (!before && !opts.force && count >= this.limits.filesPerAccount) {
      throw new AppError('unavailable', `${account} has ${count} unfinished uploads and temporary files (limit ${this.limits.filesPerAccount}, sftp.max_staged_files_per_account); finish or remove some .filepart files; nothing was stored`);
    }
    if (delta > 0 && !opts.force) {
      const mine = this.bytes.get(account) ?? 0;
      if (mine + delta > this.limits.bytesPerAccount) {
        throw new AppError('unavailable', `${account} holds ${formatMiB(mine)} in unfinished uploads and temporary files (limit ${formatMiB(this.limits.bytesPerAccount)}, sftp.max_staged_bytes_per_account); finish or remove some .filepart files; nothing more was stored`);
      }
      if (this.totalBytes + delta > this.limits.bytes) {
        throw new AppError('unavailable', `the appliance holds ${formatMiB(this.totalBytes)} in unfinished uploads (limit ${formatMiB(this.limits.bytes)}, sftp.max_staged_bytes); nothing more was stored; try again later`);
      }
    }
    if (!before) this.fileCounts.set(account, count + 1);
    this.files.set(file, { account, bytes: size });
    this.bytes.set(account, (this.bytes.get(account) ?? 0) + delta);
    this.totalBytes += delta;
  }

  /** The file was committed, moved or removed: its bytes no longer count here. */
  release(file: string): void {
    const c = this.files.get(file);
    if (!c) return;
    this.files.delete(file);
    const count = (this.fileCounts.get(c.account) ?? 1) - 1;
    if (count > 0) this.fileCounts.set(c.account, count);
    else this.fileCounts.delete(c.account);
    this.totalBytes -= c.bytes;
    const n = (this.bytes.get(c.account) ?? 0) - c.bytes;
    if (n > 0) this.bytes.set(c.account, n);
    else this.bytes.delete(c.account);
  }

  /** A staged file renamed to another staged name keeps its charge. */
  move(from: string, to: string): void {
    const c = this.files.get(from);
    if (!c) return;
    this.release(to);
    this.files.delete(from);
    this.files.set(to, c);
  }

  charged(file: string): number {
    return this.files.get(file)?.bytes ?? 0;
  }
}

/**
 * The process's open-file limit (RLIMIT_NOFILE, soft), or undefined where it cannot be read.
 * Node has no API for it; Linux shows it in /proc.
 */
export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft && /^\d+$/.test(soft) ? Number(soft) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The handle budget actually used: the configured one, but never more than half the
 * process's descriptors, so the web server, the database and new connections always have
 * the other half.
 */
export function effectiveHandleLimit(configured: number, fdLimit = openFileLimit()): number {
  return fdLimit === undefined ? configured : Math.max(1, Math.min(configured, Math.floor(fdLimit / 2)));
}

function formatMiB(n: number): string {
  return `${Math.round((n / (1024 * 1024)) * 10) / 10} MiB`;
}
