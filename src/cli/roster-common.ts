import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { ImportDetail, RosterService } from '../domain/roster/service.ts';
import { prepareNativeRuntime } from '../native/runtime.ts';
import { configureLogging, createLogger } from '../shared/logger.ts';
import { ensureWritableDir } from '../storage/files.ts';
import type { Db } from '../storage/db.ts';

/**
 * Opens the appliance's database (the same file a running server uses: WAL and a busy timeout
 * let both work) and a roster service over it. Logs go to stderr, so stdout is the report.
 */
export async function openRoster(config: Config): Promise<{ db: Db; roster: RosterService }> {
  configureLogging(config.log.level === 'silent' ? 'silent' : 'warn', process.stderr);
  prepareNativeRuntime(config);
  ensureWritableDir(config.data_dir, 'data_dir');
  // Imported here so that the light commands never load native libraries.
  const { openDatabase } = await import('../storage/db.ts');
  const { RosterService } = await import('../domain/roster/service.ts');
  const db = openDatabase(join(config.data_dir, 'idphotos.db'));
  const roster = new RosterService({ db, config: config.roster, dataDir: config.data_dir, log: createLogger('roster') });
  // Held devices.csv imports are in the same history; `imports approve|discard` hands them over.
  const { DeviceImporter, DEVICES_KIND } = await import('../domain/devices/import.ts');
  roster.delegateKind(DEVICES_KIND, new DeviceImporter({ db, config: config.roster, dataDir: config.data_dir, log: createLogger('devices') }));
  return { db, roster };
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
