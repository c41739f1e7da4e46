import type { PhotoStore } from '../../storage/photo-store.ts';

/**
 * The current photo of every Local ID (its source sha256), in memory, so that
 * `GET /photos/:localid` costs no SQLite lookup: a page of thumbnails is dozens of them.
 *
 * It mirrors the `photos` table and is never behind it:
 * - loaded whole at start (or on first use);
 * - `refresh(localId)` re-reads one Local ID right after each transaction of this process that
 *   can change a current photo (activate, restore, remove): it reads what was committed, so a
 *   transaction that rolled back leaves nothing wrong behind;
 * - reloaded whole when another connection has committed (`idphotos photos add` or `restore`
 *   beside a running appliance), which `PRAGMA data_version` tells.
 */
export interface CurrentPhotos {
  /** The sha256 of the current photo of `localId`; undefined when it has none. */
  sha(localId: string): string | undefined;
  /** Reads the whole table again (at start; after another process committed). */
  load(): void;
  /** Re-reads one Local ID after this process committed a change to it. */
  refresh(localId: string): void;
}

export function createCurrentPhotos(store: PhotoStore): CurrentPhotos {
  let shas = new Map<string, string>();
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
  };

  // NB: PRAGMA data_version costs as much as the lookup it saves (~6 µs here), so it is read
  // once per turn of the event loop, not per request. A request answered in this turn reached
  // the socket before this turn's poll for I/O returned, so before this read: a request sent
  // after `idphotos photos add` finished still sees the new photo.
  const check = () => {
    if (checked) return;
    checked = true;
    setImmediate(uncheck);
    if (store.dataVersion() !== dataVersion) load();
  };

  return {
    sha(localId) {
      check();
      return shas.get(localId);
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
