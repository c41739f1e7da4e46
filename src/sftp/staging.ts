import { mkdirSync, readdirSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { AppError } from '../shared/errors.ts';
import type { FolderEntry } from '../domain/incoming/folder.ts';
import type { FolderName } from './vpath.ts';
import { isTempFor } from './temp-names.ts';

const FORBIDDEN = /[\u0000-\u001f\u007f\\]/;

/**
 * Bytes in flight, under data_dir so a commit is a rename on the same filesystem:
 * `staging/<account>/<folder>/<temp name>` holds files under temporary names (they survive a
 * dropped connection, so WinSCP can resume a `.filepart`), `uploads/` holds direct uploads
 * to a final name until CLOSE commits them (never visible, never kept across a restart).
 */
export class StagingArea {
  private readonly stagingDir: string;
  private readonly uploadsDir: string;

  constructor(root: string) {
    this.stagingDir = join(root, 'staging');
    this.uploadsDir = join(root, 'uploads');
  }

  /** Run at start, before anything listens: no upload can be in flight then. */
  cleanup(maxAgeMs: number, now = Date.now()): { removed: string[] } {
    rmSync(this.uploadsDir, { recursive: true, force: true });
    mkdirSync(this.uploadsDir, { recursive: true });
    mkdirSync(this.stagingDir, { recursive: true });
    const removed: string[] = [];
    for (const account of readdirSync(this.stagingDir)) {
      for (const folder of safeReaddir(join(this.stagingDir, account))) {
        const dir = join(this.stagingDir, account, folder);
        for (const name of safeReaddir(dir)) {
          const file = join(dir, name);
          if (now - statSync(file).mtimeMs > maxAgeMs) {
            rmSync(file, { force: true });
            removed.push(`${account}/${folder}/${name}`);
          }
        }
      }
    }
    return { removed };
  }

  /** Every staged file with its account and size (run at start, to charge them to the budget). */
  staged(): Array<{ account: string; file: string; size: number }> {
    const out: Array<{ account: string; file: string; size: number }> = [];
    for (const dir of safeReaddir(this.stagingDir)) {
      if (!dir.startsWith('u-')) continue;
      for (const folder of safeReaddir(join(this.stagingDir, dir))) {
        for (const name of safeReaddir(join(this.stagingDir, dir, folder))) {
          const file = join(this.stagingDir, dir, folder, name);
          try {
            out.push({ account: dir.slice(2), file, size: statSync(file).size });
          } catch {
            // gone meanwhile
          }
        }
      }
    }
    return out;
  }

  /** A fresh path for a direct upload's bytes. */
  newUploadPath(): string {
    return join(this.uploadsDir, randomUUID());
  }

  checkTempName(name: string): void {
    if (FORBIDDEN.test(name)) throw new AppError('invalid', `"${name}" contains a backslash or control character`);
  }

  path(account: string, folder: FolderName, name: string): string {
    return join(this.dir(account, folder), name);
  }

  /** Path for a new staged file, with its folder created. */
  prepare(account: string, folder: FolderName, name: string): string {
    if (folder === 'reports') throw new AppError('forbidden', '/reports/ is read-only: upload photos to /incoming/idphotos/ and roster files to /incoming/data/');
    const dir = this.dir(account, folder);
    mkdirSync(dir, { recursive: true });
    return join(dir, name);
  }

  stat(account: string, folder: FolderName, name: string): FolderEntry | undefined {
    try {
      const st = statSync(this.path(account, folder, name));
      return st.isFile() ? { name, size: st.size, mtime: Math.floor(st.mtimeMs / 1000) } : undefined;
    } catch {
      return undefined;
    }
  }

  list(account: string, folder: FolderName): FolderEntry[] {
    const out: FolderEntry[] = [];
    for (const name of safeReaddir(this.dir(account, folder))) {
      const e = this.stat(account, folder, name);
      if (e) out.push(e);
    }
    return out;
  }

  hasTempFor(account: string, folder: FolderName, finalName: string): boolean {
    return safeReaddir(this.dir(account, folder)).some((n) => isTempFor(n, finalName));
  }

  move(account: string, from: { folder: FolderName; name: string }, to: { folder: FolderName; name: string }): void {
    renameSync(this.path(account, from.folder, from.name), this.prepare(account, to.folder, to.name));
  }

  remove(account: string, folder: FolderName, name: string): void {
    unlinkSync(this.path(account, folder, name));
  }

  // Account names may be "." or ".." by the username pattern; the prefix keeps them inside.
  private dir(account: string, folder: FolderName): string {
    return join(this.stagingDir, `u-${account}`, folder);
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
