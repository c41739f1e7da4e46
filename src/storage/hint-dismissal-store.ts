import { bindDb } from './bind.ts';
import type { Db } from './db.ts';

/** Records that `localId` is not what the unmatched photo `fileName` (with this content) meant. */
export function dismissHint(db: Db, fileName: string, sha256: string, localId: string, actor: string, at: string): void {
  db.run(
    'INSERT OR REPLACE INTO dismissed_hints (file_name, source_sha256, local_id, dismissed_by, dismissed_at) VALUES (?, ?, ?, ?, ?)',
    fileName, sha256, localId, actor, at,
  );
}

/** The Local IDs dismissed for one unmatched photo. */
export function dismissedHints(db: Db, fileName: string, sha256: string): Set<string> {
  return new Set(db.all<{ local_id: string }>('SELECT local_id FROM dismissed_hints WHERE file_name = ? AND source_sha256 = ?', fileName, sha256).map((r) => r.local_id));
}

/** Near-miss hints admins dismissed on the photos page (dismissed_hints). */
export function createHintDismissalStore(db: Db) {
  return bindDb(db, { dismissHint, dismissedHints });
}

export type HintDismissalStore = ReturnType<typeof createHintDismissalStore>;
