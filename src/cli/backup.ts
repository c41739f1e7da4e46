import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isAppError } from '../shared/errors.ts';
import { configureLogging } from '../shared/logger.ts';
import { CONFIG_OPTION, configFromArgs, UsageError, type Command } from './common.ts';
import { openApp } from './open-app.ts';

const USAGE = 'idphotos backup DEST [--config FILE]';

/**
 * `idphotos backup DEST`: a consistent copy of data_dir in a new folder, taken while the appliance
 * runs. It holds every student record and photo, so it is written to the audit log.
 */
export const backupCommand: Command = {
  summary: 'copy the database, photos, host keys and held imports into a new folder, while running',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { config: CONFIG_OPTION } });
    if (positionals.length !== 1) throw new UsageError(`usage: ${USAGE}`);
    const dest = resolve(positionals[0]!);
    const config = configFromArgs(values.config);
    if (!existsSync(join(config.data_dir, 'idphotos.db'))) throw new UsageError(`there is nothing to back up: ${config.data_dir} holds no idphotos database`);
    // Logs go to stderr, so stdout is the report (cron mails it).
    configureLogging(config.log.level === 'silent' ? 'silent' : 'warn', process.stderr);
    // NB: never migrates: a newer executable run from cron must not change a database an older server uses.
    const app = await openApp(config, { migrate: false });
    try {
      const { backup, audit } = app.ctx;
      const b = backupOrExplain(() => backup.write(dest));
      const n = (x: number) => x.toLocaleString('en-US');
      const mib = (b.bytes / 1024 / 1024).toFixed(1);
      audit.record({ actor: backupActor(), action: 'backup', detail: `to ${dest}: ${n(b.users)} users, ${n(b.photos)} current photos, ${mib} MiB` });
      io.stdout.write(
        [
          `backup of ${config.data_dir} written to ${dest}`,
          `  database: ${n(b.users)} users, ${n(b.photos)} current photos, ${n(b.versions)} photo versions, ${n(b.imports)} imports (integrity ok)`,
          `  files: ${n(b.files)} (${mib} MiB): the database, photos as uploaded and their display sizes, SSH host keys, held imports, the last roster files`,
          ...(b.versionsWithoutFile ? [`  note: ${n(b.versionsWithoutFile)} older photo versions have no file in the backup (deleted from the history while it ran, or missing before)`] : []),
          'to restore: stop idphotos, put this folder in place of data_dir, start idphotos',
          '',
        ].join('\n'),
      );
      return 0;
    } finally {
      await app.stop();
    }
  },
};

/**
 * Who the audit log names: the appliance's schedule (which runs this command with
 * IDPHOTOS_BACKUP_BY=schedule, see domain/backup/schedule.ts), or the user at the console.
 */
function backupActor(): string {
  return process.env.IDPHOTOS_BACKUP_BY === 'schedule' ? 'idphotos:schedule' : `cli:${userInfo().username}`;
}

/** A destination the backup must not use is a usage error (exit code 2), with the domain's reason. */
function backupOrExplain<T>(write: () => T): T {
  try {
    return write();
  } catch (err) {
    if (isAppError(err) && (err.code === 'conflict' || err.code === 'invalid')) throw new UsageError(err.message);
    throw err;
  }
}
