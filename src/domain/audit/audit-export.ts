import { AppError } from '../../shared/errors.ts';
import { CSV_BOM, csvRow } from '../../shared/csv-cells.ts';
import type { AuditLog, AuditRange } from './audit.ts';

/** What an admin types: a Local ID and/or a date range (YYYY-MM-DD, both ends included). */
export interface RawAuditRange {
  local_id?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Checks and types the range; AppError('invalid') says what is wrong. */
export function parseAuditRange(raw: RawAuditRange): AuditRange {
  const localId = raw.local_id?.trim() || undefined;
  const from = raw.from?.trim() || undefined;
  const to = raw.to?.trim() || undefined;
  if (!localId && !from && !to) throw new AppError('invalid', 'Give a Local ID, a date range, or both.');
  for (const [name, v] of [['from', from], ['to', to]] as const) {
    if (v !== undefined && (!DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)))) throw new AppError('invalid', `"${name}" must be a date such as 2026-09-01 (got "${v}")`);
  }
  const fromIso = from ? new Date(`${from}T00:00:00Z`).toISOString() : undefined;
  // The "to" day is included: entries before the start of the next day.
  const toIso = to ? new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS).toISOString() : undefined;
  if (fromIso && toIso && fromIso >= toIso) throw new AppError('invalid', `"from" (${from}) is after "to" (${to})`);
  return { localId, from: fromIso, to: toIso };
}

/** A name for the download that says what is in it. */
export function auditCsvName(range: AuditRange): string {
  const parts = ['audit'];
  if (range.localId) parts.push(range.localId.replace(/[^A-Za-z0-9._-]/g, '_'));
  if (range.from) parts.push(`from-${range.from.slice(0, 10)}`);
  if (range.to) parts.push(`to-${new Date(Date.parse(range.to) - DAY_MS).toISOString().slice(0, 10)}`);
  return `${parts.join('-')}.csv`;
}

/**
 * The audit log as CSV, oldest first, produced a page at a time (UTF-8 with BOM; cells that a
 * spreadsheet would run as a formula are neutralised: an actor or a detail comes from outside).
 */
export function* auditCsv(audit: AuditLog, range: AuditRange): Generator<string> {
  yield `${CSV_BOM}${csvRow(['Time (UTC)', 'Who', 'Action', 'Local ID', 'Detail', 'Address'])}\r\n`;
  for (const page of audit.pages(range)) {
    yield page.map((e) => `${csvRow([e.at, e.actor, e.action, e.local_id, e.detail, e.ip])}\r\n`).join('');
  }
}
