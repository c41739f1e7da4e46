import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, unlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../shared/errors.ts';
import { fsyncDir } from '../../storage/files.ts';
import type { CommitRequest, FolderEntry, IncomingFolder } from './folder.ts';

export interface DirectoryFolderOptions {
  /** `idphotos` or `data`. */
  name: string;
  /** Where committed files live (created if missing). */
  dir: string;
  maxBytes: number;
  /** Lower-case, with the dot: `['.csv']` or `['.jpg', '.jpeg', '.png', '.gif']`. */
  allowedExtensions: readonly string[];
  /** Called after a file is durable and visible, e.g. to schedule a roster import. */
  onCommit?(entry: FolderEntry, path: string): void;
}

const MAX_NAME_BYTES = 255;
// Control characters and the separators of every client OS would make a name that some
// client cannot show or save back.
const FORBIDDEN = /[\u0000-\u001f\u007f/\\]/;

/**
 * An IncomingFolder that keeps committed files, as uploaded, in one directory: commit is
 * fsync + rename + fsync of the directory, so a reader sees the old file or the new one and
 * a crash loses neither. The file's own mtime is the mtime sync tools see.
 *
 * @example
 * const data = new DirectoryFolder({ name: 'data', dir, maxBytes: 200e6, allowedExtensions: ['.csv'] });
 */
export class DirectoryFolder implements IncomingFolder {
  readonly name: string;
  readonly maxBytes: number;
  private readonly dir: string;
  private readonly allowed: readonly string[];
  private readonly onCommit?: (entry: FolderEntry, path: string) => void;

  constructor(opts: DirectoryFolderOptions) {
    this.name = opts.name;
    this.dir = opts.dir;
    this.maxBytes = opts.maxBytes;
    this.allowed = opts.allowedExtensions.map((e) => e.toLowerCase());
    this.onCommit = opts.onCommit;
    mkdirSync(this.dir, { recursive: true });
  }

  checkName(name: string): void {
    const why = this.refusal(name);
    if (why) throw new AppError('invalid', `"${name}" cannot be stored in ${this.name}/: ${why}`);
  }

  list(): FolderEntry[] {
    const out: FolderEntry[] = [];
    for (const d of readdirSync(this.dir, { withFileTypes: true })) {
      if (!d.isFile() || this.refusal(d.name)) continue;
      const entry = this.stat(d.name);
      if (entry) out.push(entry);
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  stat(name: string): FolderEntry | undefined {
    if (this.refusal(name)) return undefined;
    try {
      const st = statSync(join(this.dir, name));
      // A commit renames a new file over the old one: a new inode for each version.
      return st.isFile() ? { name, size: st.size, mtime: Math.floor(st.mtimeMs / 1000), version: `${st.ino}:${st.ctimeMs}` } : undefined;
    } catch {
      return undefined;
    }
  }

  contentPath(name: string): string | undefined {
    return this.stat(name) ? join(this.dir, name) : undefined;
  }

  async commit(req: CommitRequest): Promise<void> {
    const path = join(this.dir, req.name);
    try {
      this.checkName(req.name);
      if (req.size > this.maxBytes) throw new AppError('too_large', `"${req.name}" is ${req.size} bytes, over the ${this.maxBytes}-byte limit of ${this.name}/`);
      const fd = openSync(req.tempPath, 'r+');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      if (req.mtime !== undefined) utimesSync(req.tempPath, req.mtime, req.mtime);
      renameSync(req.tempPath, path);
      fsyncDir(this.dir);
    } catch (err) {
      rmSync(req.tempPath, { force: true });
      throw err;
    }
    const entry = this.stat(req.name);
    if (entry) this.onCommit?.(entry, path);
  }

  remove(name: string, _account: string, version?: string): void {
    const entry = this.stat(name);
    if (!entry) throw new AppError('not_found', `no file "${name}" in ${this.name}/`);
    if (version !== undefined && entry.version !== version) throw new AppError('conflict', `"${name}" in ${this.name}/ was replaced since; the newer file stays`);
    unlinkSync(join(this.dir, name));
    fsyncDir(this.dir);
  }

  setMtime(name: string, mtime: number): void {
    if (!this.stat(name)) throw new AppError('not_found', `no file "${name}" in ${this.name}/`);
    utimesSync(join(this.dir, name), mtime, mtime);
  }

  private refusal(name: string): string | undefined {
    const exts = this.allowed.join(', ');
    if (name === '' || name === '.' || name === '..') return 'a file name is needed';
    if (Buffer.byteLength(name) > MAX_NAME_BYTES) return `the name is longer than ${MAX_NAME_BYTES} bytes`;
    if (FORBIDDEN.test(name)) return 'the name contains a slash, backslash or control character';
    if (name.startsWith('.')) return 'names starting with a dot are hidden files and are not accepted';
    const dot = name.lastIndexOf('.');
    const ext = dot > 0 ? name.slice(dot).toLowerCase() : '';
    if (!this.allowed.includes(ext)) return `only ${exts} files are accepted here (any letter case)`;
    return undefined;
  }
}
