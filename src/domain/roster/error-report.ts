import type { ImportError } from './types.ts';

/**
 * The error lines of an import as CSV (UTF-8 with BOM so Excel shows accents), one row per
 * error: line, Local ID, message. A cell starting with = + - @ (or tab/CR) is prefixed with
 * an apostrophe so a spreadsheet shows it instead of running it as a formula.
 */
export function errorReportCsv(errors: readonly ImportError[]): string {
  const lines = [row(['Line', 'Local ID', 'Problem'])];
  for (const e of errors) lines.push(row([String(e.line), e.local_id, e.message]));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

function row(cells: string[]): string {
  return cells.map(cell).join(',');
}

function cell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}
