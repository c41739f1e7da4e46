import { AppError } from '../../shared/errors.ts';
import type { FolderEntry, IncomingFolder } from '../incoming/folder.ts';
import type { PhotoDeps } from './deps.ts';
import { removeFile } from './history.ts';
import { recordRejection } from './ingest.ts';
import type { IngestOptions, IngestRequest, IngestResult } from './ingest.ts';
import { parsePhotoName } from './names.ts';

/**
 * `/incoming/idphotos/` as the SFTP edge sees it: the photo files by the names they were uploaded
 * under, with size and mtime as uploaded, so sync tools (rclone, lftp mirror, WinSCP) find nothing
 * to send twice. A commit is an ingest.
 */
export function createPhotoFolder(d: PhotoDeps, ingest: (req: IngestRequest, options: IngestOptions) => Promise<IngestResult>): IncomingFolder {
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
    commit(req) {
      // Acknowledged once durable when a render worker is free (the client's next file then
      // travels while this one renders); otherwise once shown, which holds a fast client back so
      // that renders never pile up behind the uploads.
      return new Promise<void>((resolve, reject) => {
        const request = { tempPath: req.tempPath, name: req.name, account: req.account, remoteAddress: req.remoteAddress, mtime: req.mtime, origin: 'sftp' as const };
        ingest(request, { onDurable: () => d.limiter.size < d.limiter.limit && resolve() }).then(() => resolve(), reject);
      });
    },
    remove: (name, account) => removeFile(d, name, account),
    recordRefusal(r) {
      recordRejection(d, { name: r.name, localId: localIdOf(r.name), account: r.account, remoteAddress: r.remoteAddress, origin: 'sftp', bytes: r.bytes, reason: r.reason });
    },
    setMtime(name, mtime) {
      if (!d.store.setFileMtime(name, Math.floor(mtime))) throw new AppError('not_found', `there is no photo named ${name}`);
    },
  };
}

/** The Local ID a refused name would have had, or '' when the name has none. */
function localIdOf(name: string): string {
  try {
    return parsePhotoName(name).localId;
  } catch {
    return '';
  }
}
