import type { App } from '../app.ts';
import type { Config } from '../config/schema.ts';
import type { ImportDetail } from '../domain/roster/service.ts';
import { configureLogging } from '../shared/logger.ts';
import { openApp } from './open-app.ts';

/**
 * The appliance for a roster command (held devices.csv imports are in the same history, and
 * `imports approve|discard` hands them over). Logs go to stderr, so stdout is the report.
 */
export async function openRoster(config: Config): Promise<App> {
  configureLogging(config.log.level === 'silent' ? 'silent' : 'warn', process.stderr);
  return openApp(config);
}

/** A few lines a person reads after an import: outcome, counts, the first error lines. */
export function describeImport(rec: ImportDetail, maxErrors = 20): string {
  const lines = [`import ${rec.id} ${rec.file}${rec.format ? ` (${rec.format})` : ''}: ${rec.status}${rec.reason ? ` — ${rec.reason}` : ''}`];
  if (rec.status !== 'skipped' && (rec.rows || rec.status !== 'refused')) {
    lines.push(
      `  ${rec.added} added, ${rec.updated} updated, ${rec.unchanged} unchanged, ${rec.deactivated} deactivated` +
        `${rec.reactivated ? ` (${rec.reactivated} back)` : ''}${rec.ignored ? `, ${rec.ignored} not students or staff` : ''}` +
        `, ${rec.error_count} error${rec.error_count === 1 ? '' : 's'}${rec.photos_linked ? `, ${rec.photos_linked} waiting photos linked` : ''}` +
        `${rec.opted_out ? `, ${rec.opted_out} opted out of directory photos` : ''}`,
    );
  }
  for (const e of rec.errors.slice(0, maxErrors)) lines.push(`  line ${e.line}: ${e.message}`);
  if (rec.error_count > Math.min(rec.errors.length, maxErrors)) lines.push(`  … and ${rec.error_count - Math.min(rec.errors.length, maxErrors)} more: idphotos imports show ${rec.id}`);
  if (rec.status === 'held') lines.push(`  approve: idphotos imports approve ${rec.id}    discard: idphotos imports discard ${rec.id}`);
  return `${lines.join('\n')}\n`;
}
