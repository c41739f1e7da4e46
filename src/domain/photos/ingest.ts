import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, errorMessage } from '../../shared/errors.ts';
import { ImageDecodeError, readImageInfo } from '../../imaging/images.ts';
import type { FileRow, RenderRow, VersionRow } from '../../storage/photo-store.ts';
import { nowIso, type PhotoDeps } from './deps.ts';
import { FORMAT_NAMES, checkComplete, sniffFormat, type PhotoFormat } from './formats.ts';
import { nearMisses, unmatchedReason, type Hint } from './hints.ts';
import { emptyTrash, listAgain, pruneHistory } from './history.ts';
import { parsePhotoName } from './names.ts';
import { decodeReason, ensureDisplays } from './renders.ts';
import { recordRejection } from './rejections.ts';
import { SIZE_NAMES } from './sizes.ts';

export interface IngestRequest {
  /** A complete file on data_dir's filesystem; taken over (renamed) or deleted. */
  tempPath: string;
  /** The file name as uploaded: `{LocalID}.jpg|.jpeg|.png|.gif`. */
  name: string;
  account: string;
  remoteAddress?: string;
  /** Seconds since the epoch, as the client set it; the commit time otherwise. */
  mtime?: number;
  origin: 'sftp' | 'cli';
}

export interface IngestResult {
  name: string;
  localId: string;
  sha256: string;
  versionId: number;
  /** False when an upload committed later (or a restore) already holds the place. */
  current: boolean;
  /** Whether a user has this Local ID; an unmatched photo is kept and linked later. */
  matched: boolean;
  hints: Hint[];
  /** One line for the uploader or the CLI. */
  message: string;
}

export interface IngestOptions {
  /**
   * Called once the upload is durable, listed under its name and shown (a crash from here on
   * finishes it at startup), before the display sizes are rendered. The SFTP folder acknowledges
   * the upload here, so a client's next file travels before this one is rendered.
   */
  onDurable?(): void;
  /**
   * Nobody waits for the display images (the uploader was answered at `onDurable`): their render
   * may hold while SFTP uploads keep arriving (limiter.ts).
   */
  deferRender?: boolean;
}

/** Kinds of photo refusal, carried as `details.refusal` of the AppError an ingest throws. */
export type RefusalKind = 'name' | 'too_large' | 'format' | 'incomplete' | 'damaged' | 'pixels';

/**
 * The commit protocol. Checks run first (name, size, real format, completeness, pixel count);
 * a refusal is recorded for the admin list and thrown with a reason the uploader can act on,
 * and the current photo is untouched. Then: a pending row and the listing → the source bytes
 * renamed into the content store and fsynced with the listing's commit → one transaction makes
 * the version ready and current (visible) → the upload is acknowledged → the display sizes are
 * rendered (renders.ts). A crash before the bytes are durable leaves the old photo; start-up
 * finishes a pending row whose bytes are safe, and renders what is left to render. Resolves once
 * the display images are made, so the uploader's report says whether the pixels decoded: if not,
 * the photo was taken back and the one before it is shown again.
 */
export async function ingestPhoto(d: PhotoDeps, req: IngestRequest, options: IngestOptions = {}): Promise<IngestResult> {
  // The order of commits is the order of arrival: the last upload committed wins even when
  // an earlier, larger one finishes rendering after it.
  // Not fsynced on its own: the listing's group commit before the acknowledgement carries it.
  const seq = d.store.tx(() => d.store.nextSeq(), { durable: false });
  const started = performance.now();
  let localId = '';
  let size = 0;
  // `refusal` is the kind of refusal, a word from a short fixed list (the metrics count by it).
  const refuse = async (refusal: RefusalKind, reason: string, code: 'invalid' | 'too_large' = 'invalid'): Promise<AppError> => {
    recordRejection(d, { name: req.name, localId, account: req.account, remoteAddress: req.remoteAddress, origin: req.origin, bytes: size, reason });
    await d.files.discard(req.tempPath);
    return new AppError(code, reason, { file: req.name, refusal });
  };

  try {
    localId = parsePhotoName(req.name).localId;
  } catch (err) {
    throw await refuse('name', errorMessage(err));
  }
  size = (await stat(req.tempPath)).size;
  if (size > d.maxBytes) throw await refuse('too_large', `the file is ${megabytes(size)}; photos may be at most ${megabytes(d.maxBytes)}`, 'too_large');

  // NB: `let`, to be dropped once the bytes are durable: a batch's queued renders must not
  // each hold an upload in memory (the render reads the stored file instead).
  let bytes: Buffer | undefined = await readFile(req.tempPath);
  const sha = createHash('sha256').update(bytes).digest('hex');
  const sniffed = sniffFormat(bytes);
  if (!sniffed.ok) throw await refuse('format', sniffed.reason);
  const incomplete = checkComplete(sniffed.format, bytes);
  if (incomplete) throw await refuse('incomplete', incomplete);
  const info = await readImageInfo(bytes);
  if (!info || info.format !== sniffed.format) {
    throw await refuse('damaged', `the file starts like a ${FORMAT_NAMES[sniffed.format]} but is damaged: export it again as JPEG`);
  }
  if (info.width * info.height > d.maxPixels) {
    throw await refuse('pixels', `${info.width}×${info.height} is over the ${megapixels(d.maxPixels)}-megapixel limit: resize it (about 1000 px on the long side is plenty)`);
  }

  await d.hooks?.afterStep?.('checked', sha);
  // Row first, bytes second: content the database does not know of can then never exist. Not
  // fsynced: the listing's commit before the acknowledgement carries it (one WAL); lost to a
  // power cut before that, its bytes are content no version uses, removed at start.
  const version = d.store.tx(() => {
    const existing = d.store.versionBySha(localId, sha);
    if (existing?.state === 'pending') d.store.claimPending(existing.id, d.owner);
    if (existing) return existing;
    const now = nowIso();
    const id = d.store.insertVersion({
      local_id: localId,
      source_sha256: sha,
      state: 'pending',
      format: info.format,
      width: info.width,
      height: info.height,
      bytes: size,
      file_name: req.name,
      account: req.account,
      remote_address: req.remoteAddress ?? '',
      owner: d.owner,
      seq,
      created_at: now,
      uploaded_at: now,
    });
    return d.store.version(id)!;
  }, { durable: false });

  await d.hooks?.afterStep?.('pending-row', sha);
  d.holders.set(version.id, (d.holders.get(version.id) ?? 0) + 1);
  try {
    const upload = { seq, name: req.name, account: req.account, remoteAddress: req.remoteAddress ?? '', mtime: req.mtime, origin: req.origin };
    let current: boolean;
    if (version.state === 'ready' && d.files.hasSource(sha)) {
      await d.files.discard(req.tempPath);
      current = activate(d, version.id, upload, { list: true });
      await d.store.sync();
      options.onDurable?.();
    } else {
      // Listed from here on (size and mtime as uploaded, READ gives the bytes), so a sync tool's
      // next listing or SETSTAT finds it. The listing's commit goes to disk with the source file
      // and its folder, in one round of fsyncs (the group commit).
      // NB: committed before the bytes move: its write to the WAL then comes before those fsyncs, not
      // during them (on ext4 a write waits while the journal commit an fsync started runs: 2 ms a
      // photo in the profile). A crash in between is an upload never acknowledged: start-up drops
      // it and gives the name back to the photo it listed before.
      const replaced = listFile(d, version.id, upload);
      await d.hooks?.afterStep?.('listed', sha);
      try {
        await d.files.adoptSource(req.tempPath, sha, () => d.store.sync());
      } catch (err) {
        discardPending(d, version, req.name, replaced);
        await d.files.discard(req.tempPath);
        throw err;
      }
      await d.hooks?.afterStep?.('source-durable', sha);
      // Shown from here on; its display images follow (ensureDisplays). NB: acknowledged without
      // an fsync of its own: lost to a power cut, the commit leaves the version pending with its
      // bytes intact, and start-up shows it then.
      current = activate(d, version.id, upload, { list: false });
      options.onDurable?.();
    }
    bytes = undefined;
    await renderDisplays(d, req.name, localId, sha, sniffed.format, options.deferRender === true);
    const matched = d.users.exists(localId);
    const hints = matched ? [] : nearMisses(localId, d.users);
    const message = !current
      ? `${req.name}: kept in the history of ${localId}; a later upload is the current photo`
      : matched
        ? `${req.name}: now the photo of ${localId}`
        : `${req.name}: kept unmatched: ${unmatchedReason(localId, hints)}`;
    d.log.info(
      { file: req.name, local_id: localId, sha256: sha, bytes: size, account: req.account, ip: req.remoteAddress, origin: req.origin, current, matched, hints: hints.map((h) => h.message), ms: Math.round(performance.now() - started) },
      'photo accepted',
    );
    return { name: req.name, localId, sha256: sha, versionId: version.id, current, matched, hints, message };
  } finally {
    const left = (d.holders.get(version.id) ?? 1) - 1;
    if (left > 0) d.holders.set(version.id, left);
    else d.holders.delete(version.id);
  }
}

const RENDER_RETRY_MS = 10_000;

/**
 * Waits for the display images of an acknowledged upload, so the uploader's report and the
 * command line say whether its pixels decoded. An undecodable photo was taken back already
 * (renders.ts); anything else (a full disk) is retried: the upload is durable and shown, so it
 * is never given up, and a stop leaves the render to the next start.
 */
async function renderDisplays(d: PhotoDeps, name: string, localId: string, sha: string, format: PhotoFormat, deferrable: boolean): Promise<void> {
  for (;;) {
    try {
      await ensureDisplays(d, sha, { deferrable });
      await d.hooks?.afterStep?.('displays-written', sha);
      return;
    } catch (err) {
      if (err instanceof ImageDecodeError) throw new AppError('invalid', decodeReason(format, err), { file: name, refusal: 'damaged' satisfies RefusalKind });
      if (d.closing.aborted) throw err;
      d.log.error({ file: name, local_id: localId, sha256: sha, err: errorMessage(err) }, `display images of ${name} could not be written; retrying in ${RENDER_RETRY_MS / 1000} s`);
      await sleep(RENDER_RETRY_MS, undefined, { signal: d.closing }).catch(() => {});
      if (d.closing.aborted) throw err;
    }
  }
}

/**
 * The one step that makes a version visible: ready, current unless something later already is,
 * listed under its file name (when the caller has not listed it already), its render queued when
 * its display images are not made yet, old history pruned — one transaction. Returns whether it is current.
 */
export function activate(
  d: PhotoDeps,
  versionId: number,
  upload: { seq: number; name: string; account: string; remoteAddress: string; mtime?: number; origin: RenderRow['origin'] },
  options: { list: boolean },
): boolean {
  // Listing here acknowledges an upload whose bytes were stored already: the caller then waits for
  // the group commit (`store.sync`), like listFile. Otherwise a commit lost to a power cut leaves
  // the version pending, and start-up finishes it.
  const { current, localId } = d.store.tx(() => {
    const version = d.store.version(versionId);
    if (!version) throw new AppError('unavailable', 'the photo store changed while this upload was saved: upload it again');
    const now = nowIso();
    d.store.markReady(versionId, { seq: upload.seq, file_name: upload.name, account: upload.account, remote_address: upload.remoteAddress, uploaded_at: now });
    const existing = d.store.current(version.local_id);
    // Listed at commit but taken out of the folder while it rendered: history only.
    const removed = !options.list && d.store.file(upload.name) === undefined;
    const wins = !removed && (!existing || existing.seq < upload.seq);
    if (wins) d.store.setCurrent(version.local_id, versionId, upload.seq, now);
    if (!d.files.hasDisplays(version.source_sha256, SIZE_NAMES)) {
      const previous = wins && existing && existing.version_id !== versionId ? existing.version_id : null;
      d.store.queueRender({ version_id: versionId, source_sha256: version.source_sha256, previous_version_id: previous, origin: upload.origin, queued_at: now });
    }
    const file = options.list ? d.store.file(upload.name) : undefined;
    if (options.list && (!file || file.seq < upload.seq)) upsertListing(d, upload, version.local_id, versionId, now);
    pruneHistory(d, version.local_id, now);
    return { current: wins, localId: version.local_id };
  }, { durable: false });
  d.current.refresh(localId);
  emptyTrash(d);
  return current;
}

/** Lists `name` → version unless a later commit already holds the name; returns what it replaced. */
function listFile(d: PhotoDeps, versionId: number, upload: { seq: number; name: string; mtime?: number }): FileRow | undefined {
  // Not fsynced here: the caller acknowledges the upload only after the group commit that
  // follows (`store.sync`), which carries this commit and the pending row before it.
  return d.store.tx(() => {
    const previous = d.store.file(upload.name);
    if (previous && previous.seq > upload.seq) return undefined;
    upsertListing(d, upload, d.store.version(versionId)!.local_id, versionId, nowIso());
    return previous ?? NOT_LISTED;
  }, { durable: false });
}

/** Lists the upload's file name → version, with the mtime the client set or the commit time. Caller holds the tx. */
function upsertListing(d: PhotoDeps, upload: { seq: number; name: string; mtime?: number }, localId: string, versionId: number, now: string): void {
  d.store.upsertFile({
    name: upload.name,
    local_id: localId,
    version_id: versionId,
    seq: upload.seq,
    mtime: upload.mtime ?? Math.floor(Date.now() / 1000),
    committed_at: now,
  });
}

/** Marks "the name was not listed before": a failed upload then takes the name out again. */
const NOT_LISTED: FileRow = { name: '', local_id: '', version_id: 0, seq: 0, mtime: 0, committed_at: '' };

/** Undoes a refused pending upload: the listing goes back to what it was, the row and bytes go. */
function discardPending(d: PhotoDeps, version: VersionRow, name: string, replaced: FileRow | undefined): void {
  // NB: another upload of the same bytes for this Local ID shares the version and may have been
  // told OK already: then only this upload's listing goes back; the version stays with the other.
  const shared = (d.holders.get(version.id) ?? 0) > 1;
  d.store.tx(() => {
    const row = d.store.version(version.id);
    if (row?.state !== 'pending') return;
    const listed = d.store.file(name);
    if (replaced && listed?.version_id === version.id) {
      if (replaced === NOT_LISTED) d.store.deleteFile(name);
      else if (d.store.version(replaced.version_id)) d.store.upsertFile(replaced);
      else {
        // What it listed was taken back meanwhile (undecodable, renders.ts): the name goes to the
        // photo shown again instead, as start-up gives it back when it drops an upload.
        const before = d.store.newestReadyNamed(row.local_id, name);
        if (before && d.store.current(row.local_id)?.version_id === before.id) {
          listAgain(d, name, before, nowIso());
        } else d.store.deleteFile(name);
      }
    }
    if (shared) return;
    d.store.deleteFilesOf(version.id);
    d.store.deleteVersion(row.id, row.source_sha256, nowIso());
  });
  emptyTrash(d);
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}

function megapixels(pixels: number): string {
  return String(Math.round(pixels / 1_000_000));
}
