import { basename } from 'node:path';
import type { PhotosConfig } from '../../config/schema.ts';
import { configureImaging } from '../../imaging/images.ts';
import { AppError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Storage } from '../../storage/index.ts';
import { openPhotoFiles } from '../../storage/photo-files.ts';
import type { UserRow } from '../../storage/user-row.ts';
import type { IncomingFolder } from '../incoming/folder.ts';
import type { CommitStep, PhotoDeps } from './deps.ts';
import { createCurrentPhotos } from './current.ts';
import { createPhotoFolder } from './folder.ts';
import { historyOf, photoSummary, purgeLocalId, restoreVersion, type PhotoSummary, type VersionSummary } from './history.ts';
import { ingestPhoto, type IngestRequest, type IngestResult } from './ingest.ts';
import { createLimiter, type HoldOptions } from './limiter.ts';
import { displayReady, readDisplay, resumeRenders } from './renders.ts';
import { createPlaceholder } from './placeholder.ts';
import { reconcilePhotos, type ReconcileReport } from './reconcile.ts';
import { rejectedUploads, unmatchedPhotos, uploadsNotShownFor, type RejectedItem, type UnmatchedItem, type UploadsNotShown } from './review.ts';
import { RENDER_REVISION, type DisplaySize } from './sizes.ts';
import { createInFlight } from '../../shared/in-flight.ts';
import { applyHint, dismissHint } from './hint-actions.ts';

export interface PhotoServiceOptions {
  storage: Pick<Storage, 'photos' | 'users' | 'hintDismissals'>;
  dataDir: string;
  config: PhotosConfig;
  /** Largest upload in bytes (`sftp.max_photo_bytes`). */
  maxBytes: number;
  log: Logger;
  /** For crash tests only: called at each durable step of a commit (may never resolve). */
  hooks?: { afterStep?(step: CommitStep, sha: string): void | Promise<void> };
  /** How long background renders hold while SFTP uploads arrive (limiter.ts); tests lengthen it. */
  renderHold?: HoldOptions;
}

/** A display image ready to send: the ETag is known before the bytes are read. */
export interface DisplayImage {
  placeholder: boolean;
  /** The placeholder stands in for the photo of a person opted out of directory photos. */
  withheld: boolean;
  etag: string;
  /** NB: Buffers from readFile and sharp own their ArrayBuffer (never shared memory). */
  read(): Promise<Uint8Array<ArrayBuffer>>;
}

/** The user columns the users API shows. */
type UserSummary = Pick<UserRow, 'local_id' | 'first_name' | 'middle_name' | 'last_name' | 'role' | 'grade' | 'building' | 'email' | 'position'>;

/** A user as the users API shows them, with their current photo. */
export interface UserRecord extends UserSummary {
  active: boolean;
  /** Opted out of directory photos (FERPA): `photo` is null and `photo_withheld` true unless the reader sees withheld photos. */
  opt_out: boolean;
  photo_withheld: boolean;
  photo: PhotoSummary | null;
}

/** Who asks for a photo: only admins see the photos of people who opted out (staff, exports and tokens never do). */
export interface PhotoReader {
  seesWithheld: boolean;
}

const STAFF: PhotoReader = { seesWithheld: false };

export interface PhotoService {
  /** `/incoming/idphotos/` for the SFTP edge. */
  readonly folder: IncomingFolder;
  /** Reconciles after a crash; call before anything listens. */
  start(): Promise<ReconcileReport>;
  /** Waits for commits in progress (they are never cut off halfway; a crash is handled by `start`). */
  stop(): Promise<void>;
  ingest(req: IngestRequest): Promise<IngestResult>;
  /** Adds a file from disk (the CLI): the file itself is left alone. */
  addFile(path: string, options: { account: string; name?: string }): Promise<IngestResult>;
  photo(localId: string): PhotoSummary | null;
  /** Throws AppError('not_found') for an unknown Local ID. */
  user(localId: string, reader?: PhotoReader): UserRecord;
  history(localId: string): VersionSummary[];
  restore(localId: string, versionId: number, account: string): PhotoSummary;
  /**
   * The display image for `GET /photos/:localid`: the current photo (or a kept version), the
   * placeholder for a known user without one or opted out (unless `reader` sees withheld photos);
   * AppError('not_found') for an unknown Local ID. The reader defaults to staff.
   */
  display(localId: string, size: DisplaySize, versionId?: number, reader?: PhotoReader): DisplayImage;
  /** People inactive longer than `days` whose photos a purge would remove (at most `limit`). */
  retentionDue(days: number, limit?: number): { local_id: string; deactivated_at: string; versions: number }[];
  /** Removes every photo and kept version of a Local ID; returns how many versions went. */
  purge(localId: string): number;
  /** Where the bytes of a stored photo are: a display rendering, or the upload itself (`original`). */
  filePath(sha: string, size: DisplaySize | 'original'): string;
  /** `filePath`, once the file is there: a display image not made yet is rendered first, ahead of the queue. */
  readyFile(sha: string, size: DisplaySize | 'original'): Promise<string>;
  unmatched(limit?: number): UnmatchedItem[];
  rejected(limit?: number): RejectedItem[];
  /** Refused uploads of `localId` since its current photo, and unmatched photos named like it. */
  uploadsNotShown(localId: string, limit?: number): UploadsNotShown;
  /** Makes the unmatched photo `fileName` the photo of `localId`, one of its near-miss hints. */
  applyHint(fileName: string, localId: string, account: string): Promise<IngestResult>;
  /** Stops offering `localId` as a hint for the unmatched photo `fileName`. */
  dismissHint(fileName: string, localId: string, account: string): void;
}

/**
 * The photo store: exact Local ID matching, visible when the upload closes, never torn.
 * @example
 * const photos = createPhotoService({ storage, dataDir, config: config.photos, maxBytes: config.sftp.max_photo_bytes, log });
 * await photos.start();
 * await photos.addFile('/tmp/S12345.jpg', { account: 'cli' });
 */
export function createPhotoService(options: PhotoServiceOptions): PhotoService {
  const workers = options.config.workers;
  // One libvips thread per image; the workers are the parallelism. Measured on 2 cores with
  // 200 uploads of ~170 KB: with 2 threads per image the uploads were acknowledged in 4.5-5.8 s,
  // with 1 in 1.9-2.1 s, and rendering still finished about a second after the last one: small
  // images gain little from libvips' own threads, and the upload path lost the CPU to them.
  configureImaging({ threadsPerImage: 1 });
  const store = options.storage.photos;
  const closing = new AbortController();
  const { track, settled } = createInFlight();
  const d: PhotoDeps = {
    store,
    current: createCurrentPhotos(store),
    users: options.storage.users,
    files: openPhotoFiles(options.dataDir),
    dismissals: options.storage.hintDismissals,
    log: options.log,
    limiter: createLimiter(workers, closing.signal, options.renderHold),
    maxBytes: options.maxBytes,
    maxPixels: options.config.max_input_pixels,
    historyVersions: options.config.history_versions,
    owner: String(process.pid),
    rendering: new Map(),
    holders: new Map(),
    closing: closing.signal,
    track,
    hooks: options.hooks,
  };
  const placeholder = createPlaceholder();

  return {
    folder: createPhotoFolder(d, (req, options) => track(ingestPhoto(d, req, options))),
    async start() {
      // NB: the placeholder is rendered at its first request, not here: rendering it would load
      // sharp and libvips at start (about a third of the start-up and 20 MiB of idle memory).
      const report = await reconcilePhotos(d);
      d.current.load();
      if (report.tempFoldersRemoved || report.recovered || report.dropped || report.contentRemoved) {
        d.log.info(report, 'photo store reconciled');
      }
      const renders = resumeRenders(d, track);
      if (renders) d.log.info({ renders }, 'display images left undone by the last stop are queued');
      return report;
    },
    async stop() {
      // Renders still queued stay pending (durable, finished at the next start): SIGTERM must
      // end within seconds even behind a batch of a thousand uploads.
      closing.abort();
      await settled();
      d.files.removeOwnTemp();
    },
    ingest: (req) => track(ingestPhoto(d, req)),
    async addFile(path, { account, name }) {
      const tempPath = await d.files.copyToTemp(path);
      return track(ingestPhoto(d, { tempPath, name: name ?? basename(path), account, origin: 'cli' }));
    },
    applyHint: (fileName, localId, account) => track(applyHint(d, (req) => ingestPhoto(d, req), fileName, localId, account)),
    dismissHint: (fileName, localId, account) => dismissHint(d, fileName, localId, account),
    photo: (localId) => photoSummary(d, localId),
    user(localId, reader = STAFF) {
      const u = d.users.byLocalId(localId);
      if (!u) throw new AppError('not_found', `no user has Local ID ${localId}`);
      const withheld = u.opt_out === 1 && !reader.seesWithheld;
      return {
        local_id: u.local_id, first_name: u.first_name, middle_name: u.middle_name, last_name: u.last_name, role: u.role,
        grade: u.grade, building: u.building, email: u.email, position: u.position, active: u.active === 1,
        opt_out: u.opt_out === 1, photo_withheld: withheld, photo: withheld ? null : photoSummary(d, localId),
      };
    },
    history: (localId) => historyOf(d, localId),
    restore: (localId, versionId, account) => restoreVersion(d, localId, versionId, account),
    display(localId, size, versionId, reader = STAFF) {
      // NB: asked before the photo: one indexed read, and a withheld photo's hash never leaves here (not even in the ETag).
      const optedOut = d.users.optedOut(localId);
      if (optedOut && !reader.seesWithheld) {
        return { placeholder: true, withheld: true, etag: `"withheld-${size}-${RENDER_REVISION}"`, read: () => placeholder(size) as Promise<Uint8Array<ArrayBuffer>> };
      }
      const sha =
        versionId === undefined
          ? d.current.sha(localId)
          : (() => {
              const v = d.store.version(versionId);
              if (!v || v.local_id !== localId || v.state !== 'ready') throw new AppError('not_found', `Local ID ${localId} has no kept photo version ${versionId}`);
              return v.source_sha256;
            })();
      if (sha) {
        return { placeholder: false, withheld: false, etag: `"${sha.slice(0, 40)}-${size}-${RENDER_REVISION}"`, read: () => readDisplay(d, sha, size) as Promise<Uint8Array<ArrayBuffer>> };
      }
      if (optedOut !== undefined) {
        return { placeholder: true, withheld: false, etag: `"placeholder-${size}-${RENDER_REVISION}"`, read: () => placeholder(size) as Promise<Uint8Array<ArrayBuffer>> };
      }
      throw new AppError('not_found', `no user or photo has Local ID ${localId}`);
    },
    retentionDue: (days, limit = 100_000) => d.store.inactiveWithPhotos(new Date(Date.now() - days * 24 * 60 * 60 * 1000).toISOString(), limit),
    purge: (localId) => purgeLocalId(d, localId),
    filePath: (sha, size) => (size === 'original' ? d.files.sourcePath(sha) : d.files.displayPath(sha, size)),
    async readyFile(sha, size) {
      if (size === 'original') return d.files.sourcePath(sha);
      await displayReady(d, sha, size);
      return d.files.displayPath(sha, size);
    },
    unmatched: (limit = 500) => unmatchedPhotos(d, limit),
    rejected: (limit = 500) => rejectedUploads(d, limit),
    uploadsNotShown: (localId, limit = 5) => uploadsNotShownFor(d, localId, d.store.currentPhoto(localId)?.updated_at ?? '', limit),
  };
}
