import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { IDLINK, parseExportRequest } from '../domain/exports/photo-export.ts';
import { errorMessage, isAppError } from '../shared/errors.ts';
import { configureLogging } from '../shared/logger.ts';
import { CONFIG_OPTION, configFromArgs, UsageError, usageErrors, type Command } from './common.ts';
import { formatLocalTime, resolveTimezone } from '../shared/time.ts';
import { openApp } from './open-app.ts';

const USAGE = `idphotos photos add FILE… [--config FILE] [--account NAME]
       idphotos photos history LOCALID [--config FILE]
       idphotos photos restore LOCALID VERSION [--config FILE] [--account NAME]
       idphotos photos export DIR|FILE.zip [--size full|profile|thumb|original] [--building B] [--grade G] [--role student|staff] [--since YYYY-MM-DD] [--config FILE]`;

/**
 * `idphotos photos …`: the same ingest as an SFTP upload (same checks, same refusals in the admin
 * list), for photos already on the server. Works beside a running appliance (same database).
 * Exit code 1 when any file was refused.
 */
export const photosCommand: Command = {
  summary: 'add photos from files, show a Local ID\'s photo history, restore a version, export photos',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: CONFIG_OPTION,
        account: { type: 'string', default: 'cli' },
        size: { type: 'string' },
        building: { type: 'string' },
        grade: { type: 'string' },
        role: { type: 'string' },
        since: { type: 'string' },
      },
    });
    const [action, ...rest] = positionals;
    if (action === 'add' && rest.length === 0) throw new UsageError('name at least one photo file');
    if (action === 'history' && rest.length !== 1) throw new UsageError('usage: idphotos photos history LOCALID');
    if (action === 'restore' && (rest.length !== 2 || !/^\d+$/.test(rest[1]))) throw new UsageError('usage: idphotos photos restore LOCALID VERSION');
    if (action === 'export' && rest.length !== 1) throw new UsageError('usage: idphotos photos export DIR|FILE.zip [--size …] [--building …] [--grade …] [--role …] [--since …]');
    if (!['add', 'history', 'restore', 'export'].includes(action ?? '')) throw new UsageError(`usage: ${USAGE}`);
    // Checked before anything opens: a bad filter is a usage error (exit code 2).
    const exportRequest = action === 'export' ? usageErrors(() => parseExportRequest(values)) : undefined;

    const config = configFromArgs(values.config);
    // NB: logs go to stderr at warn, so stdout holds only the one line per file below.
    configureLogging(config.log.level === 'silent' ? 'silent' : 'error', process.stderr);
    const app = await openApp(config);
    const { photos } = app.ctx;
    try {
      if (action === 'history') {
        const versions = photos.history(rest[0]);
        if (versions.length === 0) io.stdout.write(`${rest[0]}: no photo versions kept\n`);
        for (const v of versions) {
          io.stdout.write(`${v.current ? '*' : ' '} ${v.version_id}\t${formatLocalTime(v.uploaded_at, resolveTimezone(config.timezone))}\t${v.file_name}\t${v.width}×${v.height}\t${v.account}\t${v.source_sha256}\n`);
        }
        return 0;
      }
      if (action === 'export') {
        const plan = await app.ctx.exports.ready(app.ctx.exports.plan(exportRequest!));
        const target = resolve(rest[0]!);
        const actor = `cli:${userInfo().username}`;
        if (target.toLowerCase().endsWith('.zip')) await app.ctx.exports.writeZipFile(plan, target, actor);
        else await app.ctx.exports.writeFolder(plan, target, actor);
        io.stdout.write(`${plan.entries.length} photos and ${IDLINK} written to ${target}${plan.withheld ? `; ${plan.withheld} withheld (opted out of directory photos)` : ''}\n`);
        return 0;
      }
      if (action === 'restore') {
        const photo = photos.restore(rest[0], Number(rest[1]), values.account!);
        io.stdout.write(`${rest[0]}: version ${rest[1]} is the current photo again (sha256 ${photo.source_sha256})\n`);
        return 0;
      }
      let refused = 0;
      for (const file of rest) {
        try {
          const result = await photos.addFile(file, { account: values.account! });
          io.stdout.write(`${result.message}\n`);
        } catch (err) {
          const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
          if (!isAppError(err) && !missing) throw err;
          refused++;
          io.stdout.write(`${file}: refused: ${missing ? 'no such file' : errorMessage(err)}\n`);
        }
      }
      return refused ? 1 : 0;
    } finally {
      await app.stop();
    }
  },
};
