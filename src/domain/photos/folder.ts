import { AppError } from '../../shared/errors.ts';
import type { FolderEntry, IncomingFolder } from '../incoming/folder.ts';
import type { PhotoDeps } from './deps.ts';
import { removeFile } from './history.ts';
import type { IngestRequest, IngestResult } from './ingest.ts';
import { parsePhotoName } from './names.ts';

/**
 * `/incoming/idphotos/` as the SFTP edge sees it: the photo files by the names they were uploaded
 * under, with size and mtime as uploaded, so sync tools (rclone, lftp mirror, WinSCP) find nothing
 * to send twice. A commit is an ingest; it resolves once the photo is shown.
 */
export function createPhotoFolder(d: PhotoDeps, ingest: (req: IngestRequest) => Promise<IngestResult>): IncomingFolder {
  const entry = (f: { name: string; bytes: number; mtime: number }): FolderEntry => ({ name: f.name, size: f.bytes, mtime: f.mtime });
  return {
    name: 'idphotos',
    maxBytes: d.maxBytes,
    checkName(name) {
      parsePhotoName(name);
    },
    list: () => d.store.listFiles().map(entry),
    stat(name) {
      const f = d.store.listedFile(name);
      return f ? entry(f) : undefined;
    },
    contentPath(name) {
      const f = d.store.listedFile(name);
      return f ? d.files.sourcePath(f.source_sha256) : undefined;
    },
    async commit(req) {
      await ingest({ tempPath: req.tempPath, name: req.name, account: req.account, remoteAddress: req.remoteAddress, mtime: req.mtime, origin: 'sftp' });
    },
    remove: (name, account) => removeFile(d, name, account),
    setMtime(name, mtime) {
      if (!d.store.setFileMtime(name, Math.floor(mtime))) throw new AppError('not_found', `there is no photo named ${name}`);
    },
  };
}
