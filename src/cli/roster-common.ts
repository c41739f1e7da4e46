import type { App } from '../app.ts';
import type { Config } from '../config/schema.ts';
import type { ImportDetail } from '../domain/roster/service.ts';
import { configureLogging } from '../shared/logger.ts';
import { openApp } from './open-app.ts';
import { fieldLabel } from '../domain/roster/types.ts';

/**
 * The appliance for a roster command (held devices.csv imports are in the same history, and
 * `imports approve|discard` hands them over). Logs go to stderr, so stdout is the report.
 */
export async function openRoster(config: Config): Promise<App> {
  configureLogging(config.log.level === 'silent' ? 'silent' : 'warn', process.stderr);
  return openApp(config);
}

/** A few lines a person reads after an import: outcome, counts, the columns read (`columns`), the first error lines. */
export function describeImport(rec: ImportDetail, maxErrors = 20, columns = false): string {
  const lines = [`import ${rec.id} ${rec.file}${rec.format ? ` (${rec.format})` : ''}: ${rec.status}${rec.reason ? ` — ${rec.reason}` : ''}`];
  if (rec.status !== 'skipped' && (rec.rows || rec.status !== 'refused')) {
    const prefix = rec.status === 'discarded' || rec.status === 'refused' ? 'nothing changed; it would have made: ' : '';
    lines.push(
      `  ${prefix}${rec.added} added, ${rec.updated} updated, ${rec.unchanged} unchanged, ${rec.deactivated} deactivated` +
        `${rec.reactivated ? ` (${rec.reactivated} back)` : ''}${rec.ignored ? `, ${rec.ignored} not imported` : ''}` +
        `, ${rec.error_count} error${rec.error_count === 1 ? '' : 's'}${rec.photos_linked ? `, ${rec.photos_linked} waiting photos linked` : ''}` +
        `${rec.opted_out ? `, ${rec.opted_out} opted out of directory photos` : ''}`,
    );
  }
  for (const r of rec.ignored_reasons) lines.push(`  not imported: ${r.count} ${r.reason}`);
  if (columns && rec.layout) lines.push(`  layout: ${rec.layout}`);
  if (columns && rec.columns_used.length) lines.push(`  columns used: ${rec.columns_used.map((u) => `${u.column} → ${fieldLabel(u.field)}`).join(', ')}`);
  if (columns && rec.columns_ignored.length) lines.push(`  columns ignored: ${rec.columns_ignored.join(', ')}`);
  for (const e of rec.errors.slice(0, maxErrors)) lines.push(`  line ${e.line}: ${e.message}`);
  if (rec.error_count > Math.min(rec.errors.length, maxErrors)) lines.push(`  … and ${rec.error_count - Math.min(rec.errors.length, maxErrors)} more: idphotos imports show ${rec.id}`);
  if (rec.status === 'held') lines.push(`  approve: idphotos imports approve ${rec.id}    discard: idphotos imports discard ${rec.id}`);
  return `${lines.join('\n')}\n`;
}
