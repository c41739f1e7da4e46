import { AppError, errorMessage } from '../../shared/errors.ts';
import type { VersionRow } from '../../storage/photo-store.ts';
import { nowIso, type PhotoDeps } from './deps.ts';
import { SIZE_NAMES } from './sizes.ts';

/** The `photo` object of the users API: null when the user has no current photo. */
export interface PhotoSummary {
  source_sha256: string;
  updated_at: string;
  /** Size of the image as uploaded, orientation applied. */
  width: number;
  height: number;
  /** Versions kept, the current one included. */
  versions: number;
}

export interface VersionSummary {
  version_id: number;
  source_sha256: string;
  file_name: string;
  account: string;
  uploaded_at: string;
  width: number;
  height: number;
  bytes: number;
  current: boolean;
}

export function photoSummary(d: PhotoDeps, localId: string): PhotoSummary | null {
  const p = d.store.currentPhoto(localId);
  if (!p) return null;
  return { source_sha256: p.source_sha256, updated_at: p.updated_at, width: p.width, height: p.height, versions: p.versions };
}

/** Every version kept for a Local ID, newest first, marking the current one. */
export function historyOf(d: PhotoDeps, localId: string): VersionSummary[] {
  const current = d.store.current(localId)?.version_id;
  return d.store.history(localId).map((v) => ({
    version_id: v.id,
    source_sha256: v.source_sha256,
    file_name: v.file_name,
    account: v.account,
    uploaded_at: v.uploaded_at,
    width: v.width,
    height: v.height,
    bytes: v.bytes,
    current: v.id === current,
  }));
}

/** Makes a kept version current again; it counts as the newest event, so it wins over older uploads still in flight. */
export function restoreVersion(d: PhotoDeps, localId: string, versionId: number, account: string): PhotoSummary {
  d.store.tx(() => {
    const v = d.store.version(versionId);
    if (!v || v.local_id !== localId || v.state !== 'ready') {
      throw new AppError('not_found', `Local ID ${localId} has no kept photo version ${versionId}`);
    }
    const seq = d.store.nextSeq();
    d.store.bumpVersionSeq(versionId, seq);
    d.store.setCurrent(localId, versionId, seq, nowIso());
  });
  d.current.refresh(localId);
  d.log.info({ local_id: localId, version_id: versionId, account }, 'photo version restored');
  return photoSummary(d, localId)!;
}

/**
 * Tells one listing of a name from the next (`FolderEntry.version`): the stored version and the
 * commit that listed it, as the same bytes uploaded again are the same stored version.
 */
export function listingVersion(file: { version_id: number; seq: number }): string {
  return `${file.version_id}.${file.seq}`;
}

/**
 * Lists `name` again for a kept version (the photo a dropped or refused upload had replaced), with
 * that version's own sequence number and upload time. Caller holds the tx and has decided it should.
 */
export function listAgain(d: PhotoDeps, name: string, version: VersionRow, now: string): void {
  d.store.upsertFile({ name, local_id: version.local_id, version_id: version.id, seq: version.seq, mtime: Math.floor(Date.parse(version.uploaded_at) / 1000), committed_at: now });
}

/**
 * Takes a file out of `/incoming/idphotos/`. Its versions stay in the history (an admin can
 * restore them). If the file was the current photo, the newest other listed file of the same
 * Local ID (`S1.png` beside `S1.jpg`) takes its place, else the user falls back to the placeholder.
 */
export function removeFile(d: PhotoDeps, name: string, account: string, version?: string): void {
  const { localId, outcome } = d.store.tx(() => {
    const file = d.store.file(name);
    if (!file) throw new AppError('not_found', `there is no photo named ${name}`);
    if (version !== undefined && listingVersion(file) !== version) throw new AppError('conflict', `${name} was replaced by a newer upload since; the newer photo stays`);
    const localId = file.local_id;
    d.store.deleteFile(name);
    // A photo shown before its pixels were decoded falls back, if undecodable, to the one it
    // replaced: not to a file removed since (it stays removed).
    d.store.dropUnlistedFallback(file.version_id);
    const current = d.store.current(localId);
    if (!current || current.version_id !== file.version_id) return { localId, outcome: 'current photo unchanged' };
    const other = d.store.newestFileOf(localId, name);
    if (other) {
      d.store.setCurrent(localId, other.version_id, d.store.nextSeq(), nowIso());
      return { localId, outcome: `${other.name} is now the current photo` };
    }
    d.store.clearCurrent(localId);
    return { localId, outcome: 'no current photo (history kept)' };
  });
  d.current.refresh(localId);
  d.log.info({ file: name, account, outcome }, 'photo file removed');
}

/**
 * Keeps the newest `historyVersions` ready versions of a Local ID plus any version still
 * pointed at (current, listed, what a queued render falls back to); the rest go, their content to
 * the trash. Caller holds the tx.
 */
export function pruneHistory(d: PhotoDeps, localId: string, now: string): void {
  const history = d.store.history(localId);
  if (history.length <= d.historyVersions) return;
  const pinned = d.store.pinnedVersionIds(localId);
  for (const v of history.slice(d.historyVersions)) {
    if (!pinned.has(v.id)) d.store.deleteVersion(v.id, v.source_sha256, now);
  }
}

/**
 * Deletes trashed content that no version uses any more. Synchronous on purpose: the check and
 * the unlinks happen in one turn of the event loop, so an upload of the same bytes cannot slip in
 * between (it inserts its row before it writes a file).
 */
export function emptyTrash(d: PhotoDeps): number {
  let removed = 0;
  for (const { source_sha256: sha } of d.store.trash()) {
    try {
      if (d.store.isUnused(sha)) {
        d.files.removeContent(sha, SIZE_NAMES);
        removed++;
      }
      d.store.untrash(sha);
    } catch (err) {
      d.log.error({ sha256: sha, err: errorMessage(err) }, 'could not delete old photo content; will retry');
    }
  }
  return removed;
}

/**
 * Removes every photo version of a Local ID, its current photo and its listed files (retention
 * of leavers' photos): one transaction, then the content no other version uses leaves the disk.
 * Returns how many versions went.
 */
export function purgeLocalId(d: PhotoDeps, localId: string): number {
  const removed = d.store.tx(() => {
    const versions = d.store.allVersionsOf(localId);
    d.store.deleteFilesOfLocalId(localId);
    d.store.clearCurrent(localId);
    const now = nowIso();
    for (const v of versions) d.store.deleteVersion(v.id, v.source_sha256, now);
    return versions.length;
  });
  d.current.refresh(localId);
  emptyTrash(d);
  return removed;
}
