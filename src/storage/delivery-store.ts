import type { Db } from './db.ts';

export type DeliveryStatus = 'applying' | 'done' | 'refused' | 'duplicate';
export type ItemStatus = 'matched' | 'waiting' | 'refused' | 'assigned' | 'discarded';

/** A row of `deliveries` (migration 012). */
export interface DeliveryRow {
  id: number;
  file_name: string;
  sha256: string;
  bytes: number;
  mtime: number;
  account: string;
  remote_address: string;
  /** `pspa` (INDEX.TXT) or `idlink` (idlink.txt); '' when refused before the index was found. */
  kind: string;
  encoding: string;
  status: DeliveryStatus;
  reason: string;
  listed: number;
  received_at: string;
  finished_at: string | null;
}

/** A row of `delivery_items`: one line of the index (line 0: an image the index does not name). */
export interface ItemRow {
  delivery_id: number;
  n: number;
  line: number;
  image: string;
  student_id: string;
  last_name: string;
  first_name: string;
  grade: string;
  status: ItemStatus;
  reason: string;
  local_id: string;
  /** JSON array of `{ local_id, name, grade }`. */
  candidates: string;
  applied: number;
  kept_path: string;
  decided_by: string;
}

export interface DeliveryCounts {
  matched: number;
  waiting: number;
  refused: number;
  assigned: number;
  discarded: number;
}

/** The vendor deliveries tables: rows in, rows out, no rules. */
export function createDeliveryStore(db: Db) {
  return {
    tx: <T>(fn: () => T) => db.tx(fn),
    insert(row: Omit<DeliveryRow, 'id' | 'listed' | 'finished_at'>): number {
      return db.run(
        `INSERT INTO deliveries (file_name, sha256, bytes, mtime, account, remote_address, kind, encoding, status, reason, received_at, listed)
         VALUES (@file_name, @sha256, @bytes, @mtime, @account, @remote_address, @kind, @encoding, @status, @reason, @received_at, @listed)`,
        // A refused delivery is not listed: to the client it was never stored.
        { ...row, listed: row.status === 'refused' ? 0 : 1 },
      ).lastInsertRowid;
    },
    insertItem(item: Omit<ItemRow, 'applied' | 'kept_path' | 'decided_by'> & { applied?: number }): void {
      db.run(
        `INSERT INTO delivery_items (delivery_id, n, line, image, student_id, last_name, first_name, grade, status, reason, local_id, candidates, applied)
         VALUES (@delivery_id, @n, @line, @image, @student_id, @last_name, @first_name, @grade, @status, @reason, @local_id, @candidates, @applied)`,
        { applied: 0, ...item },
      );
    },
    get: (id: number) => db.get<DeliveryRow>('SELECT * FROM deliveries WHERE id = ?', id),
    /** The delivery that holds these bytes, if any was accepted (refused ones do not count). */
    bySha: (sha: string) => db.get<DeliveryRow>("SELECT * FROM deliveries WHERE sha256 = ? AND status IN ('applying', 'done') ORDER BY id LIMIT 1", sha),
    list: (limit: number) => db.all<DeliveryRow>('SELECT * FROM deliveries ORDER BY id DESC LIMIT ?', limit),
    applying: () => db.all<DeliveryRow>("SELECT * FROM deliveries WHERE status = 'applying' ORDER BY id"),
    /** Newest listed delivery per file name, for the SFTP listing. */
    listed: () => db.all<DeliveryRow>('SELECT d.* FROM deliveries d WHERE listed = 1 AND id = (SELECT MAX(id) FROM deliveries e WHERE e.file_name = d.file_name AND e.listed = 1) ORDER BY file_name'),
    listedByName: (name: string) => db.get<DeliveryRow>('SELECT * FROM deliveries WHERE file_name = ? AND listed = 1 ORDER BY id DESC LIMIT 1', name),
    unlist: (name: string) => db.run('UPDATE deliveries SET listed = 0 WHERE file_name = ? AND listed = 1', name).changes,
    setMtime: (name: string, mtime: number) => db.run('UPDATE deliveries SET mtime = ? WHERE id = (SELECT MAX(id) FROM deliveries WHERE file_name = ? AND listed = 1)', mtime, name).changes,
    finish: (id: number, at: string) => db.run("UPDATE deliveries SET status = 'done', finished_at = ? WHERE id = ?", at, id),
    items: (id: number) => db.all<ItemRow>('SELECT * FROM delivery_items WHERE delivery_id = ? ORDER BY n', id),
    item: (id: number, n: number) => db.get<ItemRow>('SELECT * FROM delivery_items WHERE delivery_id = ? AND n = ?', id, n),
    unapplied: (id: number) => db.all<ItemRow>("SELECT * FROM delivery_items WHERE delivery_id = ? AND applied = 0 AND status IN ('matched', 'waiting') ORDER BY n", id),
    waiting: (limit: number) => db.all<ItemRow>("SELECT * FROM delivery_items WHERE status = 'waiting' AND applied = 1 ORDER BY delivery_id, n LIMIT ?", limit),
    updateItem(id: number, n: number, changes: Partial<Pick<ItemRow, 'status' | 'reason' | 'local_id' | 'applied' | 'kept_path' | 'decided_by'>>): void {
      const keys = Object.keys(changes) as (keyof typeof changes)[];
      if (!keys.length) return;
      db.run(`UPDATE delivery_items SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE delivery_id = @id AND n = @n`, { ...(changes as Record<string, string | number>), id, n });
    },
    counts(id: number): DeliveryCounts {
      const out: DeliveryCounts = { matched: 0, waiting: 0, refused: 0, assigned: 0, discarded: 0 };
      for (const r of db.all<{ status: ItemStatus; n: number }>('SELECT status, COUNT(*) AS n FROM delivery_items WHERE delivery_id = ? GROUP BY status', id)) out[r.status] = r.n;
      return out;
    },
    /** Active users as matching reads them (one pass per delivery). */
    activeUsers: () => db.all<{ local_id: string; first_name: string; last_name: string; grade: string; role: string }>('SELECT local_id, first_name, last_name, grade, role FROM users WHERE active = 1'),
    activeUser: (localId: string) => db.get<{ local_id: string; first_name: string; last_name: string; grade: string }>('SELECT local_id, first_name, last_name, grade FROM users WHERE local_id = ? AND active = 1', localId),
  };
}

export type DeliveryStore = ReturnType<typeof createDeliveryStore>;
