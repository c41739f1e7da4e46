import { mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { AppError } from '../../shared/errors.ts';
import { formatLocalTime } from '../../shared/time.ts';
import type { UploadReportRow, UploadReportStore } from '../../storage/upload-report-store.ts';
import type { FolderEntry, IncomingFolder } from '../incoming/folder.ts';
import type { ImportDetail } from '../roster/service.ts';
import { csvRow } from '../../shared/csv-cells.ts';

/** How many of each report /reports/ lists: a listing stays small however long the appliance runs. */
export const REPORT_DAYS = 14;
export const REPORT_SESSIONS = 50;
export const REPORT_IMPORTS = 50;
/** Rendered reports kept: what a listing shows, and a few more. */
const CACHED_REPORTS = REPORT_DAYS + REPORT_SESSIONS + REPORT_IMPORTS + 16;
/** Error lines an import's result file names; the count stays exact. */
export const MAX_ERROR_LINES = 1000;

const READ_ONLY = '/reports/ is read-only: it holds what idphotos reports about uploads and imports; upload photos to /incoming/idphotos/ and roster files to /incoming/data/';

export interface ReportsFolderOptions {
  store: UploadReportStore;
  timezone: string;
  /** Generated files are written here (temp, then rename) for the SFTP layer to read. */
  dir: string;
  imports: { listImports(opts: { limit: number; before?: number }): ImportDetail[]; getImport(id: number): ImportDetail };
}

/**
 * The read-only `/reports/` folder of the SFTP tree, so an unattended `sftp -b` script can read
 * what happened to its files: `uploads-YYYY-MM-DD.csv` (per day, in the district's time zone),
 * `session-<start>-<n>.csv` (per upload session) with every file received, its outcome and the
 * reason, and `import-<id>-<file>.txt` with each import's result. They hold the file name, the
 * Local ID in it and the reason; no other student data.
 */
export function createReportsFolder(opts: ReportsFolderOptions): IncomingFolder {
  // NB: every listing and stat needs each report's exact size, and rendering the 14 days and 50
  // sessions took ~2 s of the event loop at 50,000 rows: a report is rendered again only when its
  // rows change (its count and newest id). At most two copies of the table's text are held.
  const cache = new Map<string, { version: string; rendered: { text: string; mtime: number } | undefined }>();
  const cached = (name: string, version: string, make: () => { text: string; mtime: number } | undefined) => {
    const hit = cache.get(name);
    if (hit?.version === version) return hit.rendered;
    const rendered = make();
    cache.delete(name);
    if (rendered) cache.set(name, { version, rendered });
    while (cache.size > CACHED_REPORTS) cache.delete(cache.keys().next().value!);
    return rendered;
  };
  const render = (name: string): { text: string; mtime: number } | undefined => {
    let m = /^uploads-(\d{4}-\d\d-\d\d)\.csv$/.exec(name);
    if (m) {
      const day = m[1]!;
      return cached(name, opts.store.reportVersion({ day }), () => rows(opts.store.reportsOfDay(day), opts.timezone));
    }
    // NB: a connection's second session is <key>-2 (sftp/server.ts): the -<n> parts repeat.
    m = /^session-([0-9TZ]+(?:-\d+)+)\.csv$/.exec(name);
    if (m) {
      const session = m[1]!;
      return cached(name, opts.store.reportVersion({ session }), () => rows(opts.store.reportsOfSession(session), opts.timezone));
    }
    m = /^import-(\d+)-.+\.txt$/.exec(name);
    if (m) {
      // NB: the import's row first (one row, a few error lines); all its error lines (up to
      // 10,000) only when its result changed: 50 imports read whole took seconds per listing.
      const id = Number(m[1]);
      const [row] = opts.imports.listImports({ limit: 1, before: id + 1 });
      if (!row || row.id !== id || importFileName(row) !== name) return undefined;
      return cached(name, JSON.stringify({ ...row, errors: undefined }), () => {
        let imp: ImportDetail;
        try {
          imp = opts.imports.getImport(id);
        } catch {
          return undefined;
        }
        return { text: importText(imp, opts.timezone), mtime: seconds(imp.decided_at ?? imp.received_at) };
      });
    }
    return undefined;
  };
  const entry = (name: string): FolderEntry | undefined => {
    const r = render(name);
    return r ? { name, size: Buffer.byteLength(r.text), mtime: r.mtime } : undefined;
  };
  const names = (): string[] => [
    ...opts.store.recentDays(REPORT_DAYS).map((d) => `uploads-${d.day}.csv`),
    ...opts.store.recentSessions(REPORT_SESSIONS).filter((s) => s.session).map((s) => `session-${s.session}.csv`),
    ...opts.imports.listImports({ limit: REPORT_IMPORTS }).filter((i) => i.kind !== '').map(importFileName),
  ];
  return {
    name: 'reports',
    maxBytes: 0,
    checkName() {
      throw new AppError('forbidden', READ_ONLY);
    },
    list: () => names().map(entry).filter((e): e is FolderEntry => e !== undefined),
    stat: entry,
    contentPath(name) {
      const r = render(name);
      if (!r) return undefined;
      mkdirSync(opts.dir, { recursive: true });
      sweep(opts.dir);
      // NB: written whole under a temp name, then renamed: a reader never sees half a report.
      const tmp = join(opts.dir, `.${randomUUID()}.tmp`);
      const path = join(opts.dir, name);
      writeFileSync(tmp, r.text, { mode: 0o600 });
      renameSync(tmp, path);
      return path;
    },
    commit() {
      return Promise.reject(new AppError('forbidden', READ_ONLY));
    },
    remove() {
      throw new AppError('forbidden', READ_ONLY);
    },
    setMtime() {
      throw new AppError('forbidden', READ_ONLY);
    },
  };
}

/** A generated file is read at once by the session that asked for it; older ones are left-overs. */
const KEEP_GENERATED_MS = 10 * 60 * 1000;

/** Deletes generated reports older than KEEP_GENERATED_MS, so the folder holds only what is being read. */
function sweep(dir: string): void {
  const cutoff = Date.now() - KEEP_GENERATED_MS;
  for (const name of readdirSync(dir)) {
    try {
      if (statSync(join(dir, name)).mtimeMs < cutoff) rmSync(join(dir, name), { force: true });
    } catch {
      // gone already (another session swept it)
    }
  }
}

export function importFileName(imp: Pick<ImportDetail, 'id' | 'file'>): string {
  return `import-${imp.id}-${imp.file.replace(/\.csv$/i, '').replace(/[^A-Za-z0-9._-]/g, '_')}.txt`;
}

function rows(list: Iterable<UploadReportRow>, timezone: string): { text: string; mtime: number } | undefined {
  let text = `${csvRow(['Received', 'Account', 'Folder', 'File', 'Bytes', 'Outcome', 'Reason'])}\r\n`;
  let last = '';
  for (const r of list) {
    text += `${csvRow([formatLocalTime(r.received_at, timezone), r.account, r.folder, r.file, String(r.bytes), r.outcome, r.reason])}\r\n`;
    last = r.received_at;
  }
  return last ? { text, mtime: seconds(last) } : undefined;
}

/** An import's result as a script greps it: status, reason, counts, layout, and each error line. */
function importText(imp: ImportDetail, timezone: string): string {
  const lines = [
    `import ${imp.id} ${imp.file}: ${imp.status}`,
    `received: ${formatLocalTime(imp.received_at, timezone)} (${imp.origin})`,
  ];
  if (imp.decided_at) lines.push(`decided: ${formatLocalTime(imp.decided_at, timezone)}${imp.decided_by ? ` by ${imp.decided_by}` : ''}`);
  if (imp.reason) lines.push(`reason: ${imp.reason}`);
  if (imp.layout) lines.push(`layout: ${imp.layout}${imp.format ? ` (${imp.format})` : ''}`);
  lines.push(
    `rows: ${imp.rows}; added ${imp.added}, updated ${imp.updated}, unchanged ${imp.unchanged}, deactivated ${imp.deactivated}, reactivated ${imp.reactivated}, not imported ${imp.ignored}, errors ${imp.error_count}`,
  );
  const shown = imp.errors.slice(0, MAX_ERROR_LINES);
  for (const e of shown) lines.push(`line ${e.line}${e.local_id ? ` (Local ID ${e.local_id})` : ''}: ${e.message}`);
  if (imp.error_count > shown.length) lines.push(`… and ${imp.error_count - shown.length} more error lines: see the import's page`);
  return `${lines.join('\r\n')}\r\n`;
}

function seconds(iso: string): number {
  return Math.floor(new Date(iso).getTime() / 1000);
}
