import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { CONFIG_OPTION, configFromArgs, UsageError, type Command } from './common.ts';
import { describeImport, openRoster } from './roster-common.ts';
import { formatLocalTime, resolveTimezone } from '../shared/time.ts';

const USAGE = `idphotos imports list [--limit N] [--json] [--config FILE]
       idphotos imports show ID [--json] [--config FILE]
       idphotos imports approve ID [--config FILE]
       idphotos imports discard ID [--config FILE]`;

/** `idphotos imports …`: the import history, and the decision on a held import. */
export const importsCommand: Command = {
  summary: 'list roster imports, show one with its errors, approve or discard a held one',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { config: CONFIG_OPTION, limit: { type: 'string', default: '20' }, json: { type: 'boolean' } },
    });
    const [action = 'list', idText, ...extra] = positionals;
    if (!['list', 'show', 'approve', 'discard'].includes(action) || extra.length) throw new UsageError(`usage: ${USAGE}`);
    const id = Number(idText);
    if (action !== 'list' && !(Number.isInteger(id) && id > 0)) throw new UsageError(`idphotos imports ${action} needs an import number (see idphotos imports list)`);
    const limit = Number(values.limit);
    if (!(Number.isInteger(limit) && limit > 0)) throw new UsageError('--limit must be a positive whole number');
    const config = configFromArgs(values.config);
    const timezone = resolveTimezone(config.timezone);
    const app = await openRoster(config);
    const { roster } = app.ctx;
    try {
      const actor = `cli:${userInfo().username}`;
      if (action === 'list') {
        const list = roster.listImports({ limit });
        if (values.json) io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        else if (!list.length) io.stdout.write('no imports yet\n');
        else for (const rec of list) io.stdout.write(`${rec.id}\t${formatLocalTime(rec.received_at, timezone)}\t${rec.file}\t${rec.status}\t+${rec.added} ~${rec.updated} =${rec.unchanged} -${rec.deactivated} !${rec.error_count}\t${rec.reason}\n`);
        return 0;
      }
      const rec = action === 'show' ? roster.getImport(id) : action === 'approve' ? await roster.approve(id, actor) : await roster.discard(id, actor);
      io.stdout.write(values.json ? `${JSON.stringify(rec, null, 2)}\n` : describeImport(rec, action === 'show' ? Infinity : 20, action === 'show'));
      return rec.status === 'refused' ? 1 : 0;
    } finally {
      await app.stop();
    }
  },
};
