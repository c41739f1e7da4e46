import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../shared/logger.ts';
import { migrate, migrationState, openDatabase, type Db } from '../../storage/db.ts';
import { recordUpgrade } from '../../storage/upgrade-store.ts';
import { VERSION } from '../../version.ts';
import { UPGRADE_BACKUPS, writeBackup } from './backup.ts';

/**
 * Opens data_dir's database for a command that changes it, migrating it to this version. A
 * database an older version wrote is first backed up into data_dir/backups/ (the photos
 * hard-linked, so it is quick and takes little space), and the upgrade is recorded with the
 * backup's name. A backup that fails stops the start: nothing is migrated without one.
 */
export function openDataDatabase(dataDir: string, log: Logger, now = new Date()): Db {
  const path = join(dataDir, 'idphotos.db');
  const existed = existsSync(path);
  const db = openDatabase(path, { migrate: false });
  try {
    const { applied, pending } = migrationState(db);
    if (!existed || applied.length === 0 || pending.length === 0) {
      migrate(db);
      return db;
    }
    const ids = pending.map((m) => m.id);
    const name = join(UPGRADE_BACKUPS, `before-${VERSION}-${now.toISOString().replace(/[:.]/g, '-')}`);
    log.info({ migrations: ids, backup: name }, `upgrading the database to idphotos ${VERSION}: backing up data_dir into ${name} first`);
    let summary;
    try {
      summary = writeBackup(db, dataDir, join(dataDir, name), { beforeUpgrade: true });
    } catch (err) {
      throw new Error(`the backup before upgrading the database to idphotos ${VERSION} failed, so nothing was changed: ${(err as Error).message}`);
    }
    migrate(db);
    const detail = `before upgrading to ${VERSION} (migrations ${ids.join(', ')}): to data_dir/${name}: ${summary.users} users, ${summary.photos} current photos`;
    recordUpgrade(db, { at: now.toISOString(), version: VERSION, migrations: ids, backup: name, detail });
    log.info({ migrations: ids, backup: name, users: summary.users, photos: summary.photos, versions: summary.versions, imports: summary.imports }, `upgraded the database to idphotos ${VERSION}; the backup from before is ${name}`);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
