import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { AppError, isAppError } from '../../shared/errors.ts';
import type { ExportFilter, ExportRow, ExportStore } from '../../storage/export-store.ts';
import type { AuditLog } from '../audit/audit.ts';
import type { PhotoService } from '../photos/service.ts';

/** `full` is the largest display rendering (a JPEG); `original` the bytes as uploaded. */
export const EXPORT_SIZES = ['full', 'profile', 'thumb', 'original'] as const;
export type ExportSize = (typeof EXPORT_SIZES)[number];

export interface ExportRequest extends ExportFilter {
  size: ExportSize;
}

/** Filters as typed in a form or on the command line; blank means "any". */
export interface RawExportRequest {
  size?: string | undefined;
  building?: string | undefined;
  grade?: string | undefined;
  role?: string | undefined;
  since?: string | undefined;
}

export interface ExportPlan {
  request: ExportRequest;
  entries: { row: ExportRow; name: string }[];
  /** Photos the filter matched but left out: their people opted out of directory photos. */
  withheld: number;
}

/** The file name of `idlink.txt`, Follett Destiny's photo import: one `"barcode","file"` line per photo. */
export const IDLINK = 'idlink.txt';

/** Checks and types the filters; AppError('invalid') names the bad one. */
export function parseExportRequest(raw: RawExportRequest): ExportRequest {
  const size = blank(raw.size) ?? 'full';
  if (!(EXPORT_SIZES as readonly string[]).includes(size)) throw new AppError('invalid', `size must be one of ${EXPORT_SIZES.join(', ')} (got "${size}")`);
  const role = blank(raw.role);
  if (role !== undefined && role !== 'student' && role !== 'staff') throw new AppError('invalid', `role must be student or staff (got "${role}")`);
  const since = blank(raw.since);
  let changedSince: string | undefined;
  if (since !== undefined) {
    const at = /^\d{4}-\d{2}-\d{2}$/.test(since) ? Date.parse(`${since}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}T/.test(since) ? Date.parse(since) : NaN;
    if (Number.isNaN(at)) throw new AppError('invalid', `changed since must be a date such as 2026-09-01 (got "${since}")`);
    changedSince = new Date(at).toISOString();
  }
  return { size: size as ExportSize, building: blank(raw.building), grade: blank(raw.grade), role, changedSince };
}

/**
 * Photos out: ID-card printing, the library system, profile-photo syncs. Each export is a
 * disclosure of student records, so it is audited with its filters and counts. Opted-out
 * people are never in it.
 */
export function createPhotoExports(store: ExportStore, photos: PhotoService, audit: AuditLog) {
  const plan = (request: ExportRequest): ExportPlan => {
    const rows = store.rows(request);
    return {
      request,
      entries: rows.map((row) => ({ row, name: `${row.local_id}.${request.size === 'original' ? EXTENSION[row.format] ?? 'jpg' : 'jpg'}` })),
      withheld: store.countWithheld(request),
    };
  };
  const pathOf = (p: ExportPlan, row: ExportRow) => photos.readyFile(row.source_sha256, p.request.size);
  const record = (p: ExportPlan, { actor, to, ip = '' }: ExportAudit) =>
    audit.record({ actor, action: 'export', detail: `${p.entries.length} photos (${describe(p.request)}) to ${to}; ${p.withheld} withheld (opted out)`, ip });

  return {
    plan,

    /**
     * `p` once every display image it names is made: a photo shown before its render is rendered
     * now, ahead of the queue. One taken back meanwhile (undecodable) gives way to the photo shown
     * again: the plan is made afresh, so the export never breaks off in the middle for it.
     */
    async ready(p: ExportPlan): Promise<ExportPlan> {
      if (p.request.size === 'original') return p;
      const made = await Promise.allSettled(p.entries.map(({ row }) => photos.readyFile(row.source_sha256, p.request.size)));
      const failed = made.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
      const other = failed.find((err) => !isAppError(err, 'not_found'));
      if (other) throw other;
      return failed.length ? plan(p.request) : p;
    },

    /**
     * The zip as a stream: `{LocalID}.jpg` per photo, then `idlink.txt`. Files are read one at
     * a time as the reader takes the bytes, so an export of the whole district holds one
     * photo's worth of memory, not the zip. Stored without compression: JPEGs do not shrink.
     */
    zipStream(p: ExportPlan, who: ExportAudit): Readable {
      const zip = new yazl.ZipFile();
      const out = new PassThrough();
      let reading: Readable | undefined;
      for (const { row, name } of p.entries) {
        zip.addReadStreamLazy(name, { mtime: new Date(row.updated_at), compress: false }, (cb) => {
          pathOf(p, row).then(
            (path) => {
              reading = createReadStream(path);
              // NB: yazl does not listen for a read stream's errors; a missing file would end the process.
              reading.on('error', (err) => out.destroy(err));
              cb(null, reading);
            },
            (err: Error) => out.destroy(err),
          );
        });
      }
      zip.addBuffer(Buffer.from(idlinkText(p)), IDLINK, { mtime: new Date(), compress: true });
      zip.on('error', (err: Error) => out.destroy(err));
      zip.outputStream.pipe(out);
      // A reader that goes away (a closed browser tab) must not leave a file open and the zip waiting for it.
      out.on('close', () => {
        if (out.readableEnded) return;
        zip.outputStream.unpipe(out);
        reading?.destroy();
        (zip.outputStream as PassThrough).destroy();
      });
      zip.end();
      record(p, who);
      return out;
    },

    /** The same zip written to `file` (temp, fsync, rename): a file half-written is never left under that name. */
    async writeZipFile(p: ExportPlan, file: string, actor: string): Promise<void> {
      const temp = `${file}.${process.pid}.part`;
      try {
        await pipeline(this.zipStream(p, { actor, to: file }), createWriteStream(temp, { flags: 'wx', mode: 0o600 }));
        await fsync(temp);
        await rename(temp, file);
      } catch (err) {
        await unlink(temp).catch(() => undefined);
        throw err;
      }
    },

    /** Each photo and idlink.txt into a folder, each file through a temp name. */
    async writeFolder(p: ExportPlan, dir: string, actor: string): Promise<void> {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      for (const { row, name } of p.entries) await copyInto(await pathOf(p, row), join(dir, name));
      await copyInto(Readable.from([idlinkText(p)]), join(dir, IDLINK));
      record(p, { actor, to: dir });
    },
  };
}

export type PhotoExports = ReturnType<typeof createPhotoExports>;

/** Who exports, and where to, for the audit log. */
export interface ExportAudit {
  actor: string;
  to: string;
  ip?: string | undefined;
}

const EXTENSION: Record<string, string> = { jpeg: 'jpg', png: 'png', gif: 'gif' };

/** Destiny's photo import: `"barcode","file name"`, CRLF; the Local ID is the patron barcode. */
export function idlinkText(p: Pick<ExportPlan, 'entries'>): string {
  const q = (v: string) => `"${v.replace(/"/g, '""')}"`;
  return p.entries.map(({ row, name }) => `${q(row.local_id)},${q(name)}\r\n`).join('');
}

async function copyInto(from: string | Readable, to: string): Promise<void> {
  const temp = `${to}.${process.pid}.part`;
  try {
    await pipeline(typeof from === 'string' ? createReadStream(from) : from, createWriteStream(temp, { mode: 0o600 }));
    await fsync(temp);
    await rename(temp, to);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

function blank(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}

function describe(r: ExportRequest): string {
  const parts = [`size ${r.size}`];
  if (r.building) parts.push(`building ${r.building}`);
  if (r.grade) parts.push(`grade ${r.grade}`);
  if (r.role) parts.push(`role ${r.role}`);
  if (r.changedSince) parts.push(`changed since ${r.changedSince.slice(0, 10)}`);
  return parts.join(', ');
}

/** NB: a write stream closes its file when done; the data reaches the disk only with an fsync of its own. */
async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
