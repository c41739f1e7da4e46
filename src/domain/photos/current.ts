import type { PhotoStore } from '../../storage/photo-store.ts';

/**
 * The current photo of every Local ID (its source sha256), in memory, so that
 * `GET /photos/:localid` costs no SQLite lookup: a page of thumbnails is dozens of them.
 *
 * It mirrors the `photos` table and is never behind it:
 * - loaded whole at start (100,000 photos: about 13 MB and a third of a second);
 * - `refresh(localId)` re-reads one Local ID right after each transaction of this process that
 *   can change a current photo (activate, restore, remove): it reads what was committed, so a
 *   transaction that rolled back leaves nothing wrong behind;
 * - emptied when another connection has committed (`idphotos photos add`, `restore` or a roster
 *   import from the command line beside a running appliance), which the store's data version tells.
 *   It then fills again one Local ID at a time from the database, rather than stall every request
 *   for a whole reload; a Local ID it does not hold is looked up until the next start.
 */
export interface CurrentPhotos {
  /** The sha256 of the current photo of `localId`; undefined when it has none. */
  sha(localId: string): string | undefined;
  /** Reads the whole table (at start, before anything listens). */
  load(): void;
  /** Re-reads one Local ID after this process committed a change to it. */
  refresh(localId: string): void;
}

export function createCurrentPhotos(store: PhotoStore): CurrentPhotos {
  let shas = new Map<string, string>();
  /** Whether `shas` holds every current photo (a Local ID it lacks has none). */
  let complete = false;
  let dataVersion: number | undefined;
  let checked = false;
  const uncheck = () => {
    checked = false;
  };

  const load = () => {
    dataVersion = store.dataVersion();
    const next = new Map<string, string>();
    for (const row of store.currentShas()) next.set(row.local_id, row.sha);
    shas = next;
    complete = true;
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
    complete = false;
  };

  return {
    sha(localId) {
      check();
      const sha = shas.get(localId);
      if (sha !== undefined || complete) return sha;
      const found = store.currentSha(localId);
      if (found) shas.set(localId, found);
      return found;
    },
    load,
    refresh(localId) {
      if (dataVersion === undefined) return;
      const sha = store.currentSha(localId);
      if (sha) shas.set(localId, sha);
      else shas.delete(localId);
    },
  };
}
