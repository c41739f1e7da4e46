import type { Context } from 'hono';
import { stream } from 'hono/streaming';

/** Sends a CSV produced a row at a time as a download named `fileName` (made safe for the header). */
export function csvDownload(c: Context, report: { fileName: string; csv: Iterable<string> }): Response {
  c.header('Content-Type', 'text/csv; charset=utf-8');
  c.header('Content-Disposition', `attachment; filename="${report.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
  return stream(c, async (s) => {
    let chunk = '';
    for (const line of report.csv) {
      chunk += line;
      // NB: a write per 64 KB, not per person: a 100,000-row list is 1,600 writes.
      if (chunk.length >= 65_536) {
        await s.write(chunk);
        chunk = '';
      }
    }
    if (chunk) await s.write(chunk);
  });
}
