import type { Logger } from '../../shared/logger.ts';
import type { PhotoFiles } from '../../storage/photo-files.ts';
import type { PhotoStore } from '../../storage/photo-store.ts';
import type { UserStore } from '../../storage/user-store.ts';
import type { CurrentPhotos } from './current.ts';
import type { Limiter } from './limiter.ts';
import type { RenderJob } from './renders.ts';
import type { HintDismissalStore } from '../../storage/hint-dismissal-store.ts';

/** Points of the commit protocol a crash test can stop at (see `PhotoServiceOptions.hooks`). */
export type CommitStep = 'checked' | 'pending-row' | 'listed' | 'source-durable' | 'rendered' | 'displays-written';

/** What the parts of the photo service share; built once by `createPhotoService`. */
export interface PhotoDeps {
  store: PhotoStore;
  /** The current photo of each Local ID in memory; refresh it after every commit that may change one. */
  current: CurrentPhotos;
  /** What the photo store reads of the roster's users: existence, the row, near misses. */
  users: Pick<UserStore, 'exists' | 'optedOut' | 'byLocalId' | 'sameIgnoringCase' | 'sameIgnoringLeadingZeros'>;
  files: PhotoFiles;
  /** Near-miss hints an admin dismissed: not offered again for that photo. */
  dismissals: HintDismissalStore;
  log: Logger;
  limiter: Limiter;
  /** Largest upload, bytes (the SFTP limit; the CLI obeys it too). */
  maxBytes: number;
  maxPixels: number;
  historyVersions: number;
  /** This process, as written on the pending rows it works on. */
  owner: string;
  /** Renders queued or running by sha256, so identical uploads at once decode once. */
  rendering: Map<string, RenderJob>;
  /**
   * How many uploads in this process are committing each pending version (identical bytes for
   * one Local ID share it): one that fails must not delete the version another was told OK for.
   */
  holders: Map<number, number>;
  /** Aborted when the service stops: queued renders are left for the next start (`photo_renders`). */
  closing: AbortSignal;
  /** Work the service's stop waits for (it closes no database under a running render). */
  track<T>(work: Promise<T>): Promise<T>;
  hooks?: { afterStep?(step: CommitStep, sha: string): void | Promise<void> };
}

export function nowIso(): string {
  return new Date().toISOString();
}
