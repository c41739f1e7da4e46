import { readFile } from 'node:fs/promises';
import { ImageDecodeError, renderDisplayImages } from '../../imaging/images.ts';
import { AppError, errorMessage } from '../../shared/errors.ts';
import { nowIso, type PhotoDeps } from './deps.ts';
import { FORMAT_NAMES, type PhotoFormat } from './formats.ts';
import { emptyTrash, listAgain } from './history.ts';
import { keepRejection, logRejection } from './rejections.ts';
import type { RunOptions } from './limiter.ts';
import { SIZE_NAMES, SIZE_PIXELS, type DisplaySize } from './sizes.ts';

/**
 * Display images (thumb, profile, full) are made after a photo is shown, not before: an upload
 * is visible the moment it is durable, and a batch of a thousand is not held behind a thousand
 * renders on a 2-core appliance (bench/photos-batch.ts). What waits for them:
 * - the upload's own render, queued behind the renders before it (`photos.workers` at once);
 *   an SFTP upload's, which nobody waits for, is held while uploads keep arriving (limiter.ts:
 *   a batch has both cores);
 * - a viewer who asks for one not made yet: that render goes to the front of the queue
 *   (`urgent`), so a profile opened during photo day waits one render, not the batch;
 * - a restart: `photo_renders` lists what was still to do, and the start queues it again.
 * A photo whose pixels turn out undecodable is taken back (`dropUndecodable`): the photo it
 * replaced is shown again, and the refusal goes to the admin's list with its reason.
 */
export async function ensureDisplays(d: PhotoDeps, sha: string, options: RunOptions = {}): Promise<void> {
  let job = d.rendering.get(sha);
  // NB: a viewer does not wait for a render still queued at the back: an urgent one starts ahead
  // of it, and whoever waited for the queued one takes the urgent one's outcome. So does any
  // caller who waits, ahead of a deferrable render held while uploads arrive.
  if (!job || (!job.started && rank(options) > job.rank)) {
    const next: RenderJob = { started: false, rank: rank(options), done: Promise.resolve(), follow: () => {} };
    const own = (async () => {
      // NB: only the decoding and encoding hold a worker; the files' fsyncs (milliseconds of disk,
      // no CPU) run after it is handed on, or one render at a time would be half waiting.
      const outcome = await d.limiter.run(async () => {
        // A render of the same photo took over while this one waited: no second decode.
        if (next.overtakenBy) return { ahead: next.overtakenBy.done };
        next.started = true;
        return { outputs: await render(d, sha) };
      }, options);
      if ('ahead' in outcome) return outcome.ahead;
      await place(d, sha, outcome.outputs);
    })();
    // NB: whoever waits for an overtaken job gets the outcome of the one that went ahead, as soon
    // as it is known: not at the overtaken one's own turn, which for a render held while uploads
    // arrive may be 30 s away or refused by a stop. Rendering on its own after an undecodable photo
    // was taken back, it would also find the source gone (an error retried until the stop, not the
    // refusal).
    const followed = new Promise<void>((resolve, reject) => {
      next.follow = (ahead) => {
        next.overtakenBy = ahead;
        ahead.done.then(resolve, reject);
      };
    });
    next.done = Promise.race([own, followed]).finally(() => {
      if (d.rendering.get(sha) === next) d.rendering.delete(sha);
    });
    job?.follow(next);
    d.rendering.set(sha, next);
    job = next;
  }
  await job.done;
}

/**
 * A display image for a viewer (or an export): made now, ahead of the queue, when it is not
 * there yet. Undecodable pixels: the photo was taken back, and the viewer is told so.
 */
export async function readDisplay(d: PhotoDeps, sha: string, size: DisplaySize): Promise<Buffer> {
  await displayReady(d, sha, size);
  return d.files.readDisplay(sha, size);
}

/**
 * Resolves once the display image `size` of `sha` is on disk: rendered now, urgent, when it is not.
 * A decoding failure comes as an AppError for whoever waits to see the result.
 */
export async function displayReady(d: PhotoDeps, sha: string, size: DisplaySize): Promise<void> {
  // NB: asked in the caller's turn: the render is queued at once (a viewer's request is not
  // overtaken by queued renders while a failed read comes back).
  if (d.files.hasDisplays(sha, [size])) return;
  try {
    // NB: tracked: a viewer's render still running at a stop is waited for like an upload's.
    await d.track(ensureDisplays(d, sha, { urgent: true }));
  } catch (err) {
    if (err instanceof ImageDecodeError) throw new AppError('not_found', 'this photo could not be decoded and was taken back (the refused uploads list says why): the previous photo is shown again');
    throw err;
  }
}

/** A render of one content hash, queued or running (`PhotoDeps.rendering`). */
export interface RenderJob {
  started: boolean;
  /** Its place in the limiter's queue: 0 deferrable, 1 awaited, 2 urgent. */
  rank: number;
  done: Promise<void>;
  /** A job of a higher rank for the same content that went ahead of this one before it started. */
  overtakenBy?: RenderJob;
  /** Marks this job overtaken by `ahead` and settles its `done` with the outcome of `ahead`. */
  follow(ahead: RenderJob): void;
}

function rank(options: RunOptions): number {
  return options.urgent ? 2 : options.deferrable ? 0 : 1;
}

/** Renders the display sizes of `sha` from its stored source; undefined when they are there already. */
async function render(d: PhotoDeps, sha: string): Promise<Buffer[] | undefined> {
  if (d.files.hasDisplays(sha, SIZE_NAMES)) return undefined;
  // Purged (retention) or pruned while it waited: its source is gone with it, and nothing is left
  // to show. NB: the upload waiting for it would otherwise retry the missing file until the stop.
  if (d.store.isUnused(sha)) return undefined;
  // NB: the source is read when the job runs, not when it is queued: a batch's queued renders
  // must not each hold an upload in memory.
  const source = await readFile(d.files.sourcePath(sha));
  let outputs: Buffer[];
  try {
    outputs = (await renderDisplayImages(source, SIZE_PIXELS, d.maxPixels)).outputs;
  } catch (err) {
    if (err instanceof ImageDecodeError) dropUndecodable(d, sha, err);
    throw err;
  }
  await d.hooks?.afterStep?.('rendered', sha);
  return outputs;
}

/** Writes rendered display sizes (temp, fsync, rename; then the folder) and takes `sha` off the queue. */
async function place(d: PhotoDeps, sha: string, outputs: Buffer[] | undefined): Promise<void> {
  // Purged or pruned while it rendered: nothing is left to show it for (and the trash has run).
  if (outputs && !d.store.isUnused(sha)) {
    await Promise.all(SIZE_NAMES.map((name, i) => d.files.writeDisplay(sha, name, outputs[i]!)));
    await d.files.syncFolder(sha);
  }
  // Not fsynced: lost to a power cut, the row only makes the next start look at files in place.
  d.store.tx(() => d.store.renderedContent(sha), { durable: false });
}

/**
 * At start: queues the renders a stop or a crash left undone, oldest first. Not awaited: the
 * photos are shown already, and each render is made at its first request if that comes sooner.
 * `track` lets the service's stop wait for the one running.
 */
export function resumeRenders(d: PhotoDeps, track: (work: Promise<void>) => Promise<void>): number {
  const queued = d.store.queuedRenders();
  for (const { source_sha256: sha } of queued) {
    track(ensureDisplays(d, sha, { deferrable: true })).catch((err: unknown) => {
      if (err instanceof ImageDecodeError || d.closing.aborted) return;
      d.log.error({ sha256: sha, err: errorMessage(err) }, 'display images could not be made; they are made again at the first request or the next start');
    });
  }
  return queued.length;
}

/**
 * Takes back every version of `sha` that was shown before its pixels were decoded: each is
 * deleted, the photo it replaced is current again (unless a later upload took the place since),
 * and its file name lists that photo again. One refusal per version, with the uploader's details.
 */
function dropUndecodable(d: PhotoDeps, sha: string, err: ImageDecodeError): void {
  const dropped = d.store.tx(() => {
    const now = nowIso();
    const out = [];
    for (const r of d.store.rendersOf(sha)) {
      const v = d.store.version(r.version_id);
      if (!v) continue;
      const previous = r.previous_version_id === null ? undefined : d.store.version(r.previous_version_id);
      const restore = previous?.state === 'ready' ? previous : undefined;
      if (d.store.current(v.local_id)?.version_id === v.id) {
        if (restore) d.store.setCurrent(v.local_id, restore.id, v.seq, now);
        else d.store.clearCurrent(v.local_id);
      }
      // An upload queued after this one, undecodable too, falls back past it (S1 good, then two
      // broken uploads: S1 shows the good one again, not the placeholder).
      d.store.repointRenders(v.id, r.previous_version_id);
      // NB: asked before its listings go: a name an SFTP client removed meanwhile stays removed.
      const listed = d.store.file(v.file_name)?.version_id === v.id;
      d.store.deleteFilesOf(v.id);
      d.store.deleteVersion(v.id, sha, now);
      // The name lists the photo it listed before this upload again, when that is the one shown.
      const before = d.store.newestReadyNamed(v.local_id, v.file_name);
      if (listed && before && before.id === restore?.id && !d.store.file(v.file_name)) {
        listAgain(d, v.file_name, before, now);
      }
      // NB: in the same transaction: a crash cannot take a photo back without its refusal.
      const refusal = { name: v.file_name, localId: v.local_id, account: v.account, remoteAddress: v.remote_address, origin: r.origin, bytes: v.bytes, reason: decodeReason(v.format as PhotoFormat, err) };
      keepRejection(d, refusal);
      out.push(refusal);
    }
    return out;
  });
  for (const refusal of dropped) {
    d.current.refresh(refusal.localId);
    logRejection(d, refusal);
  }
  emptyTrash(d);
}

export function decodeReason(format: PhotoFormat, err: ImageDecodeError): string {
  const name = FORMAT_NAMES[format] ?? format.toUpperCase();
  if (err.truncated) return `truncated ${name}: the file ends before the image does; upload it again`;
  if (/pixel limit/i.test(err.message)) return `the image is larger than the pixel limit: resize it`;
  return `the ${name} is damaged and cannot be decoded (${err.message.split('\n')[0].trim()}): export it again as JPEG`;
}
