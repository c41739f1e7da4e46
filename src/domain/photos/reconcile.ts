import { isAlive } from '../../storage/photo-files.ts';
import { nowIso, type PhotoDeps } from './deps.ts';
import { emptyTrash, listAgain } from './history.ts';
import { activate } from './ingest.ts';

export interface ReconcileReport {
  tempFoldersRemoved: number;
  recovered: number;
  dropped: number;
  contentRemoved: number;
}

/**
 * Run at startup, before anything listens: finishes what a crash interrupted. A pending version
 * whose bytes reached the content store is activated (with its original sequence number, so it
 * does not beat anything committed after it) and its render queued; one whose bytes never
 * arrived is dropped; temp folders of dead processes and unreferenced content are deleted.
 */
export async function reconcilePhotos(d: PhotoDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = { tempFoldersRemoved: d.files.removeDeadTemp(), recovered: 0, dropped: 0, contentRemoved: 0 };
  for (const v of d.store.pendingVersions()) {
    const owner = Number(v.owner);
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) continue;
    // NB: checked byte for byte: the source file, its folder and the listing are fsynced together
    // before an upload is acknowledged, so a power cut in that moment may leave the rows with a
    // missing or torn file (never acknowledged). The trash then takes the torn bytes.
    if (!(await d.files.sourceIntact(v.source_sha256))) {
      d.store.tx(() => {
        d.store.deleteFilesOf(v.id);
        // The name goes back to the photo it listed before this upload, if that one is kept.
        // NB: only while that photo is still the current one. The dropped upload never became
        // current, so a replaced file's photo still is; a file an SFTP client removed is not (its
        // removal moved or cleared the current photo), and must not come back. A listed photo that
        // was not current (S1.png beside S1.jpg) stays in the history, its name unlisted.
        const before = d.store.newestReadyNamed(v.local_id, v.file_name);
        if (before && d.store.current(v.local_id)?.version_id === before.id && !d.store.file(v.file_name)) {
          listAgain(d, v.file_name, before, nowIso());
        }
        d.store.deleteVersion(v.id, v.source_sha256, nowIso());
      });
      d.log.warn({ local_id: v.local_id, file: v.file_name, account: v.account }, 'dropped an upload interrupted before its bytes were saved (it was never acknowledged)');
      report.dropped++;
      continue;
    }
    d.store.claimPending(v.id, d.owner);
    // No file of that name any more: it was removed over SFTP before the restart (or never
    // acknowledged). Finished as history only, so a deleted photo does not come back. Its display
    // images follow (renders.ts): undecodable pixels take it back then.
    const list = d.store.file(v.file_name) !== undefined;
    const current = activate(d, v.id, { seq: v.seq, name: v.file_name, account: v.account, remoteAddress: v.remote_address, origin: 'startup' }, { list });
    d.log.info({ local_id: v.local_id, file: v.file_name, current }, 'finished an upload interrupted by a restart');
    report.recovered++;
  }
  report.contentRemoved = emptyTrash(d);
  return report;
}
