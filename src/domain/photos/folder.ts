import { AppError, errorMessage } from '../../shared/errors.ts';
import type { FolderEntry, IncomingFolder } from '../incoming/folder.ts';
import type { PhotoDeps } from './deps.ts';
import { listingVersion, removeFile } from './history.ts';
import { recordRejection } from './rejections.ts';
import type { IngestOptions, IngestRequest, IngestResult } from './ingest.ts';
import { parsePhotoName } from './names.ts';

/**
 * `/incoming/idphotos/` as the SFTP edge sees it: the photo files by the names they were uploaded
 * under, with size and mtime as uploaded, so sync tools (rclone, lftp mirror, WinSCP) find nothing
 * to send twice. A commit is an ingest.
 */
export function createPhotoFolder(d: PhotoDeps, ingest: (req: IngestRequest, options: IngestOptions) => Promise<IngestResult>): IncomingFolder {
  const entry = (f: { name: string; bytes: number; mtime: number; version_id: number; seq: number }): FolderEntry => ({ name: f.name, size: f.bytes, mtime: f.mtime, version: listingVersion(f) });
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
      // Acknowledged once checked, durable and shown (the name, the real format, complete, within
      // the pixel limit; bytes fsynced; listed; current): the client's next file travels before
      // this one is rendered, and the renders wait until the batch pauses (limiter.ts).
      // A photo whose pixels turn out corrupt when decoded is taken back and goes to the admin's
      // refused list.
      return new Promise<void>((resolve, reject) => {
        const request = { tempPath: req.tempPath, name: req.name, account: req.account, remoteAddress: req.remoteAddress, mtime: req.mtime, origin: 'sftp' as const };
        let acknowledged = false;
        const acknowledge = () => {
          acknowledged = true;
          resolve();
        };
        const onDurable = () => {
          // The renders of a batch wait until it pauses (limiter.ts): its next file is on its way.
          d.limiter.uploadAcknowledged();
          acknowledge();
        };
        ingest(request, { onDurable, deferRender: true }).then(acknowledge, (err: unknown) => {
          if (!acknowledged) return reject(err);
          // Refusals found by the decoder are in the refused list already; anything else (a stop)
          // leaves the durable upload pending for the next start.
          if (!(err instanceof AppError && err.code === 'invalid')) d.log.warn({ file: req.name, err: errorMessage(err) }, `${req.name} is stored; its display images follow at the next start`);
        });
      });
    },
    remove: (name, account, version) => removeFile(d, name, account, version),
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
