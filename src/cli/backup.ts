import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { prepareNativeRuntime } from '../native/runtime.ts';
import { isInside } from '../shared/paths.ts';
import { configFromArgs, UsageError, type Command } from './common.ts';

const USAGE = 'idphotos backup DEST [--config FILE]';

/**
 * `idphotos backup DEST`: a consistent copy of data_dir in a new folder, taken while the appliance
 * runs. It holds every student record and photo, so it is written to the audit log.
 */
export const backupCommand: Command = {
  summary: 'copy the database, photos, host keys and held imports into a new folder, while running',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { config: { type: 'string', short: 'c' } } });
    if (positionals.length !== 1) throw new UsageError(`usage: ${USAGE}`);
    const dest = resolve(positionals[0]!);
    if (existsSync(dest)) throw new UsageError(`${dest} already exists: name a new folder for each backup`);
    const config = configFromArgs(values.config);
    if (!existsSync(join(config.data_dir, 'idphotos.db'))) throw new UsageError(`there is nothing to back up: ${config.data_dir} holds no idphotos database`);
    if (isInside(dest, config.data_dir)) {
      throw new UsageError(`${dest} is inside data_dir ${config.data_dir}: a backup there would copy itself, and goes with the disk it protects`);
    }
    prepareNativeRuntime(config);
    // Imported here so that the light commands never load native libraries.
    const { openDatabase } = await import('../storage/db.ts');
    const { writeBackup } = await import('../domain/backup/backup.ts');
    const { createAuditLog } = await import('../domain/audit/audit.ts');
    const db = openDatabase(join(config.data_dir, 'idphotos.db'));
    try {
      const b = writeBackup(db, config.data_dir, dest);
      const audit = createAuditLog(db);
      audit.record({ actor: `cli:${userInfo().username}`, action: 'admin.action', local_id: '', detail: `backup of every record and photo written to ${dest}`, ip: '' });
      audit.close();
      const n = (x: number) => x.toLocaleString('en-US');
      io.stdout.write(
        [
          `backup of ${config.data_dir} written to ${dest}`,
          `  database: ${n(b.users)} users, ${n(b.photos)} current photos, ${n(b.versions)} photo versions, ${n(b.imports)} imports (integrity ok)`,
          `  files: ${n(b.files)} (${(b.bytes / 1024 / 1024).toFixed(1)} MiB): photos as uploaded and their display sizes, SSH host keys, held imports, the last roster files`,
          ...(b.versionsWithoutFile ? [`  note: ${n(b.versionsWithoutFile)} older photo versions were deleted from history while the backup ran and are not in it`] : []),
          'to restore: stop idphotos, put this folder in place of data_dir, start idphotos',
          '',
        ].join('\n'),
      );
      return 0;
    } finally {
      db.close();
    }
  },
};
