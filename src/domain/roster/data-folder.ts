import { rmSync } from 'node:fs';
import type { CommitRequest, FolderEntry, IncomingFolder, UploadRefusal } from '../incoming/folder.ts';
import type { DataFileJob, DataFileRegistry } from './file-kinds.ts';

/**
 * `/incoming/data/`: a folder that keeps files as uploaded (`inner`), accepts only the names
 * in the registry (so a misspelt or wrongly cased name is refused at upload, with the right
 * name in the message), and hands each committed file to `onCommit` for import.
 */
export class DataFolder implements IncomingFolder {
  readonly name: string;
  readonly maxBytes: number;
  // NB: exports hold student records, and the modelled staff layout a Password column that is
  // never imported; what any SFTP account could download, every such account could read.
  readonly readRefusal =
    'data files can be uploaded but not downloaded: they hold student records (and may hold staff passwords); the import history in the web viewer shows what each did';

  constructor(
    private readonly inner: IncomingFolder,
    private readonly registry: DataFileRegistry,
    private readonly onCommit: (job: DataFileJob) => void,
    private readonly onRefusal?: (refusal: UploadRefusal) => void,
  ) {
    this.name = inner.name;
    this.maxBytes = inner.maxBytes;
  }

  checkName(name: string): void {
    this.inner.checkName(name);
    this.registry.checkName(name);
  }

  list(): FolderEntry[] {
    return this.inner.list();
  }

  stat(name: string): FolderEntry | undefined {
    return this.inner.stat(name);
  }

  contentPath(name: string): string | undefined {
    return this.inner.contentPath(name);
  }

  async commit(req: CommitRequest): Promise<void> {
    try {
      this.checkName(req.name);
    } catch (err) {
      // The contract: a refused commit still takes the temp file away.
      rmSync(req.tempPath, { force: true });
      throw err;
    }
    await this.inner.commit(req);
    const path = this.inner.contentPath(req.name);
    if (path) this.onCommit({ name: req.name, path, origin: `sftp:${req.account}` });
  }

  remove(name: string, account: string, version?: string): void {
    this.inner.remove(name, account, version);
  }

  setMtime(name: string, mtime: number): void {
    this.inner.setMtime(name, mtime);
  }

  recordRefusal(refusal: UploadRefusal): void {
    this.onRefusal?.(refusal);
  }
}
