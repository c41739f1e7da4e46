import type { Db } from './db.ts';

/** Which current photos an export takes. Every field narrows; none given is everyone. */
export interface ExportFilter {
  building?: string | undefined;
  grade?: string | undefined;
  role?: 'student' | 'staff' | undefined;
  /** ISO time: photos that became current at or after it. */
  changedSince?: string | undefined;
}

/** One current photo to export. */
export interface ExportRow {
  local_id: string;
  source_sha256: string;
  /** Format of the bytes as uploaded: jpeg, png or gif. */
  format: string;
  updated_at: string;
}

function where(filter: ExportFilter): { sql: string; params: Record<string, string> } {
  const parts = ['u.active = 1', "v.state = 'ready'"];
  const params: Record<string, string> = {};
  if (filter.building !== undefined) {
    parts.push('u.building = @building');
    params.building = filter.building;
  }
  if (filter.grade !== undefined) {
    parts.push('u.grade = @grade');
    params.grade = filter.grade;
  }
  if (filter.role !== undefined) {
    parts.push('u.role = @role');
    params.role = filter.role;
  }
  if (filter.changedSince !== undefined) {
    parts.push('p.updated_at >= @since');
    params.since = filter.changedSince;
  }
  return { sql: parts.join(' AND '), params };
}

const FROM = 'FROM users u JOIN photos p ON p.local_id = u.local_id JOIN photo_versions v ON v.id = p.version_id';

/** The current photos an export may take. */
export function createExportStore(db: Db) {
  return {
    /** Active users' current photos for an export; NB: never those of opted-out people (FERPA). */
    rows(filter: ExportFilter): ExportRow[] {
      const w = where(filter);
      return db.all<ExportRow>(`SELECT u.local_id, v.source_sha256, v.format, p.updated_at ${FROM} WHERE ${w.sql} AND u.opt_out = 0 ORDER BY u.local_id`, w.params);
    },
    /** How many photos the same filter leaves out because their people opted out. */
    countWithheld(filter: ExportFilter): number {
      const w = where(filter);
      return db.get<{ n: number }>(`SELECT COUNT(*) AS n ${FROM} WHERE ${w.sql} AND u.opt_out = 1`, w.params)!.n;
    },
  };
}

export type ExportStore = ReturnType<typeof createExportStore>;
