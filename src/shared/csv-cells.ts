/**
 * CSV for people who open it in a spreadsheet: every cell quoted, and a cell starting with
 * = + - @ (or tab/CR) prefixed with an apostrophe so the spreadsheet shows it instead of running
 * it as a formula (CSV injection). Used by every CSV a person downloads (import errors, the audit log).
 */
export function csvRow(cells: readonly string[]): string {
  return cells.map(csvCell).join(',');
}

export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** The byte-order mark that makes Excel read UTF-8 (accents) instead of the system code page. */
export const CSV_BOM = '\uFEFF';
