import { bindDb } from './bind.ts';
import type { Db } from './db.ts';

export interface UploadReportRow {
  session: string;
  account: string;
  received_at: string;
  /** YYYY-MM-DD in the district's time zone. */
  day: string;
  folder: string;
  file: string;
  bytes: number;
  outcome: string;
  reason: string;
}

/**
 * Files received that the table keeps, newest first: a flood of uploads (each refused one is a
 * row too) cannot grow the database, nor the reports /reports/ renders for every listing.
 */
export const MAX_UPLOAD_REPORTS = 50_000;

/**
 * NB: not fsynced on its own (a process crash keeps it; a power cut in the moment after may take
 * it back): it is written right after the upload's own commit, which is durable, and the next
 * durable commit or group commit carries it. An fsync here would double the disk waits of every
 * upload's reply.
 */
export function insertUploadReport(db: Db, r: UploadReportRow): void {
  db.tx(() => insertReportRow(db, r), { durable: false });
}

function insertReportRow(db: Db, r: UploadReportRow): void {
  const id = db.run(
    'INSERT INTO upload_reports (session, account, received_at, day, folder, file, bytes, outcome, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    r.session, r.account, r.received_at, r.day, r.folder, r.file, r.bytes, r.outcome, r.reason,
  ).lastInsertRowid;
  // NB: every 100th row, as photo_rejections does: one DELETE per 100 inserts.
  if (Number(id) % 100 === 0) db.run('DELETE FROM upload_reports WHERE id <= ?', Number(id) - MAX_UPLOAD_REPORTS);
}

/** The newest sessions and days that received files: what /reports/ lists. */
export function recentSessions(db: Db, limit: number): { session: string; received_at: string; files: number }[] {
  return db.all('SELECT session, MAX(received_at) AS received_at, COUNT(*) AS files FROM upload_reports GROUP BY session ORDER BY MAX(id) DESC LIMIT ?', limit);
}

export function recentDays(db: Db, limit: number): { day: string; received_at: string; files: number }[] {
  return db.all('SELECT day, MAX(received_at) AS received_at, COUNT(*) AS files FROM upload_reports GROUP BY day ORDER BY day DESC LIMIT ?', limit);
}

export function reportsOfSession(db: Db, session: string): IterableIterator<UploadReportRow> {
  return db.iterate<UploadReportRow>('SELECT session, account, received_at, day, folder, file, bytes, outcome, reason FROM upload_reports WHERE session = ? ORDER BY id', session);
}

export function reportsOfDay(db: Db, day: string): IterableIterator<UploadReportRow> {
  return db.iterate<UploadReportRow>('SELECT session, account, received_at, day, folder, file, bytes, outcome, reason FROM upload_reports WHERE day = ? ORDER BY id', day);
}

/**
 * A day's (or a session's) first and newest row: changes whenever its report would, since rows
 * are only added (a higher id) or pruned from the oldest (a higher first id). Two index lookups.
 */
export function reportVersion(db: Db, of: { day: string } | { session: string }): string {
  const [column, value] = 'day' in of ? ['day', of.day] : ['session', of.session];
  const r = db.get<{ first: number | null; last: number | null }>(
    `SELECT (SELECT MIN(id) FROM upload_reports WHERE ${column} = ?) AS first, (SELECT MAX(id) FROM upload_reports WHERE ${column} = ?) AS last`,
    value, value,
  );
  return `${r?.first ?? 0}-${r?.last ?? 0}`;
}

/** What each upload session delivered and its outcome, for /reports/ (upload_reports). */
export function createUploadReportStore(db: Db) {
  return bindDb(db, { insertUploadReport, recentSessions, recentDays, reportsOfSession, reportsOfDay, reportVersion });
}

export type UploadReportStore = ReturnType<typeof createUploadReportStore>;
