import type { PhotoStore } from '../../storage/photo-store.ts';

/**
 * The current photo of each Local ID asked for (its source sha256), in memory, so that
 * `GET /photos/:localid` costs no SQLite lookup after the first: a page of thumbnails is dozens
 * of them.
 *
 * It mirrors the `photos` table and is never behind it:
 * - filled one Local ID at a time, at its first request, with "no photo" remembered too. It used
 *   to read the whole table at start: a third of a second per 100,000 photos and 13 MB of memory
 *   each, so a district of a million photos started in seconds more and idled 130 MB larger
 *   (bench/growth.ts). A first request costs one indexed lookup (~6 µs) instead;
 * - `refresh(localId)` re-reads one Local ID right after each transaction of this process that
 *   can change a current photo (activate, restore, remove): it reads what was committed, so a
 *   transaction that rolled back leaves nothing wrong behind;
 * - emptied when another connection has committed (`idphotos photos add`, `restore` or a roster
 *   import from the command line beside a running appliance), which the store's data version tells.
 */
export interface CurrentPhotos {
  /** The sha256 of the current photo of `localId`; undefined when it has none. */
  sha(localId: string): string | undefined;
  /** Starts following the table (at start, before anything listens); reads no rows. */
  load(): void;
  /** Re-reads one Local ID after this process committed a change to it. */
  refresh(localId: string): void;
  /** How many Local IDs it remembers now (never more than MAX_REMEMBERED). */
  remembered(): number;
}

/** Remembered for a Local ID without a current photo. */
const NONE = '';
/**
 * Local IDs remembered at most (≈ 130 bytes each: 26 MB): any signed-in client can ask for
 * Local IDs that do not exist, and each answer is remembered; past this the memory starts over.
 */
export const MAX_REMEMBERED = 200_000;

export function createCurrentPhotos(store: PhotoStore): CurrentPhotos {
  let shas = new Map<string, string>();
  let dataVersion: number | undefined;
  let checked = false;
  const uncheck = () => {
    checked = false;
  };

  // NB: reading the data version costs as much as the lookup it saves (~6 µs here), so it is read
  // once per turn of the event loop, not per request. A request answered in this turn reached
  // the socket before this turn's poll for I/O returned, so before this read: a request sent
  // after `idphotos photos add` finished still sees the new photo.
  const check = () => {
    if (checked) return;
    checked = true;
    setImmediate(uncheck);
    const version = store.dataVersion();
    if (version === dataVersion) return;
    dataVersion = version;
    shas = new Map();
  };

  return {
    sha(localId) {
      check();
      const known = shas.get(localId);
      if (known !== undefined) return known === NONE ? undefined : known;
      const found = store.currentSha(localId);
      if (shas.size >= MAX_REMEMBERED) shas = new Map();
      shas.set(localId, found ?? NONE);
      return found;
    },
    load() {
      dataVersion = store.dataVersion();
      shas = new Map();
    },
    refresh(localId) {
      if (dataVersion === undefined) return;
      if (shas.size >= MAX_REMEMBERED) shas = new Map();
      shas.set(localId, store.currentSha(localId) ?? NONE);
    },
    remembered: () => shas.size,
  };
}
