import { CSV_BOM, csvRow } from '../../shared/csv-cells.ts';
import type { ImportError } from './types.ts';

/**
 * The error lines of an import as CSV (UTF-8 with BOM so Excel shows accents), one row per
 * error: line, Local ID, message; formula-looking cells neutralised (shared/csv-cells.ts).
 */
export function errorReportCsv(errors: readonly ImportError[]): string {
  const lines = [csvRow(['Line', 'Local ID', 'Problem'])];
  for (const e of errors) lines.push(csvRow([String(e.line), e.local_id, e.message]));
  return `${CSV_BOM}${lines.join('\r\n')}\r\n`;
}
