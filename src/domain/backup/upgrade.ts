import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../shared/logger.ts';
import { openStorage, type Storage } from '../../storage/index.ts';
import { isAlive } from '../../storage/photo-files.ts';
import { VERSION } from '../../version.ts';
import { UPGRADE_BACKUPS, writeBackup } from './backup.ts';

/**
 * Opens data_dir's database and its stores, migrating it to this version unless `migrate` is
 * false. A database an older version wrote is first backed up into data_dir/backups/ (the photos
 * hard-linked, so it is quick and takes little space), and the upgrade is recorded with the
 * backup's name. A backup that fails stops the start: nothing is migrated without one.
 */
export function openDataStorage(dataDir: string, log: Logger, options: { migrate?: boolean; now?: Date } = {}): Storage {
  const path = join(dataDir, 'idphotos.db');
  const existed = existsSync(path);
  const storage = openStorage(path, { migrate: false });
  if (options.migrate === false) return storage;
  try {
    const { applied, pending } = storage.migrationState();
    if (!existed || applied.length === 0 || pending.length === 0) {
      storage.migrate();
      return storage;
    }
    const now = options.now ?? new Date();
    const name = join(UPGRADE_BACKUPS, `before-${VERSION}-${now.toISOString().replace(/[:.]/g, '-')}`);
    log.info({ migrations: pending, backup: name }, `upgrading the database to idphotos ${VERSION}: backing up data_dir into ${name} first`);
    let summary;
    try {
      summary = writeBackup(storage, dataDir, join(dataDir, name), { beforeUpgrade: true });
    } catch (err) {
      throw new Error(`the backup before upgrading the database to idphotos ${VERSION} failed, so nothing was changed: ${(err as Error).message}`);
    }
    supersede(join(dataDir, UPGRADE_BACKUPS), name.slice(UPGRADE_BACKUPS.length + 1), log);
    storage.migrate();
    const detail = `before upgrading to ${VERSION} (migrations ${pending.join(', ')}): to data_dir/${name}: ${summary.users} users, ${summary.photos} current photos`;
    storage.upgrades.record({ at: now.toISOString(), version: VERSION, migrations: pending, backup: name, detail });
    log.info({ migrations: pending, backup: name, users: summary.users, photos: summary.photos, versions: summary.versions, imports: summary.imports }, `upgraded the database to idphotos ${VERSION}; the backup from before is ${name}`);
    return storage;
  } catch (err) {
    storage.close();
    throw err;
  }
}

/**
 * Removes what earlier starts of this version left in data_dir/backups/: their backups (a start
 * whose migration failed; systemd restarts it every few seconds, and each start took a whole
 * copy of the database until the disk was full) and the partial folders of starts cut off
 * mid-backup. `kept` is the backup just taken, of the same database: it supersedes them.
 */
function supersede(dir: string, kept: string, log: Logger): void {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const partial = /\.partial-(\d+)$/.exec(name);
    const stale = partial ? !isAlive(Number(partial[1])) : name.startsWith(`before-${VERSION}-`) && name !== kept;
    if (!stale) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  if (removed.length) log.info({ removed, backup: kept }, `removed ${removed.length} backups earlier starts of idphotos ${VERSION} left in data_dir/backups (${kept} replaces them)`);
}
