import { errorMessage } from '../../shared/errors.ts';
import { nowIso, type PhotoDeps } from './deps.ts';

export interface RejectionInput {
  name: string;
  localId: string;
  account: string;
  remoteAddress?: string;
  origin: 'sftp' | 'cli' | 'startup';
  bytes: number;
  reason: string;
}

/** Every refusal is kept for the admin list and logged, with the reason the uploader got. */
export function recordRejection(d: PhotoDeps, r: RejectionInput): void {
  try {
    keepRejection(d, r);
  } catch (err) {
    d.log.error({ err: errorMessage(err) }, 'could not record a photo refusal');
  }
  logRejection(d, r);
}

/** The admin list's row of a refusal, in the caller's transaction when it holds one. */
export function keepRejection(d: PhotoDeps, r: RejectionInput): void {
  d.store.insertRejection({
    file_name: r.name,
    local_id: r.localId,
    account: r.account,
    remote_address: r.remoteAddress ?? '',
    origin: r.origin,
    bytes: r.bytes,
    reason: r.reason,
    created_at: nowIso(),
  });
}

export function logRejection(d: PhotoDeps, r: RejectionInput): void {
  d.log.warn({ file: r.name, local_id: r.localId, bytes: r.bytes, account: r.account, ip: r.remoteAddress, origin: r.origin, reason: r.reason }, 'photo refused');
}
