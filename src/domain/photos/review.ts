import type { UnmatchedRow } from '../../storage/photo-store.ts';
import type { PhotoDeps } from './deps.ts';
import { nearMisses, nearMissNames, unmatchedReason, type Hint } from './hints.ts';

/** Rows of the admin lists: what arrived, when, from whom, why it is not (yet) a user's photo. */
export interface ReviewItem {
  file_name: string;
  local_id: string;
  time: string;
  account: string;
  reason: string;
  hints: Hint[];
}

export interface UnmatchedItem extends ReviewItem {
  source_sha256: string;
}

export interface RejectedItem extends ReviewItem {
  id: number;
  remote_address: string;
  origin: 'sftp' | 'cli' | 'startup';
  bytes: number;
}

/** Current photos whose Local ID is no user's, newest first, with near-miss hints computed now. */
export function unmatchedPhotos(d: PhotoDeps, limit: number): UnmatchedItem[] {
  return d.store.unmatched(limit).map((p) => unmatchedItem(d, p));
}

function unmatchedItem(d: PhotoDeps, p: UnmatchedRow): UnmatchedItem {
  const dismissed = d.dismissals.dismissedHints(p.file_name, p.source_sha256);
  const hints = nearMisses(p.local_id, d.users).filter((h) => h.local_id === null || !dismissed.has(h.local_id));
  return {
    file_name: p.file_name,
    local_id: p.local_id,
    time: p.updated_at,
    account: p.account,
    reason: unmatchedReason(p.local_id, hints),
    hints,
    source_sha256: p.source_sha256,
  };
}

/** Refused uploads, newest first. */
export function rejectedUploads(d: PhotoDeps, limit: number): RejectedItem[] {
  return d.store.rejections(limit).map(rejectedItem);
}

/** Uploads meant for one person that are not its photo, for the admin's view of that person. */
export interface UploadsNotShown {
  /** Its refused uploads since `since` (its current photo's upload), newest first. */
  refused: RejectedItem[];
  /** Unmatched photos whose name is a near miss of its Local ID ("s12345.jpg" for S12345). */
  nearMisses: UnmatchedItem[];
}

export function uploadsNotShownFor(d: PhotoDeps, localId: string, since: string, limit: number): UploadsNotShown {
  const nearMisses = d.store
    .unmatchedNamed(nearMissNames(localId))
    .map((p) => unmatchedItem(d, p))
    .filter((p) => p.hints.some((h) => h.local_id === localId))
    .slice(0, limit);
  return { refused: d.store.rejectionsOf(localId, since, limit).map(rejectedItem), nearMisses };
}

function rejectedItem(r: ReturnType<PhotoDeps['store']['rejections']>[number]): RejectedItem {
  return {
    id: r.id,
    file_name: r.file_name,
    local_id: r.local_id,
    time: r.created_at,
    account: r.account,
    remote_address: r.remote_address,
    origin: r.origin,
    bytes: r.bytes,
    reason: r.reason,
    hints: [],
  };
}
