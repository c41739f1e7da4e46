import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { configureLogging } from '../shared/logger.ts';
import { CONFIG_OPTION, configFromArgs, UsageError, usageErrors, type Command } from './common.ts';
import { openApp } from './open-app.ts';

const USAGE = `idphotos tokens create NAME --scope photos:read [--config FILE]
       idphotos tokens list [--config FILE]
       idphotos tokens revoke NAME [--config FILE]`;

/**
 * `idphotos tokens …`: integration tokens for other systems. Works beside a running appliance
 * (same database): a token revoked here is refused by the server from its next request on.
 */
export const tokensCommand: Command = {
  summary: 'create, list and revoke integration tokens (bearer tokens for other systems)',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { config: CONFIG_OPTION, scope: { type: 'string' } } });
    const [action, ...rest] = positionals;
    if (action === 'create' && (rest.length !== 1 || !values.scope)) throw new UsageError('usage: idphotos tokens create NAME --scope photos:read');
    if (action === 'revoke' && rest.length !== 1) throw new UsageError('usage: idphotos tokens revoke NAME');
    if (action === 'list' && rest.length !== 0) throw new UsageError('usage: idphotos tokens list');
    if (!['create', 'list', 'revoke'].includes(action ?? '')) throw new UsageError(`usage: ${USAGE}`);

    const config = configFromArgs(values.config);
    // NB: logs go to stderr, so stdout holds only the token (scripts capture it).
    configureLogging(config.log.level === 'silent' ? 'silent' : 'error', process.stderr);
    const app = await openApp(config);
    try {
      const { tokens } = app.ctx;
      const actor = `cli:${userInfo().username}`;
      if (action === 'list') {
        const rows = tokens.list();
        if (rows.length === 0) io.stdout.write('no integration tokens\n');
        for (const t of rows) {
          const state = t.revoked_at ? `revoked ${t.revoked_at} by ${t.revoked_by}` : 'active';
          io.stdout.write(`${t.name}\t${t.scope}\tcreated ${t.created_at} by ${t.created_by}\t${state}\n`);
        }
        return 0;
      }
      const name = rest[0]!;
      if (action === 'revoke') {
        tokens.revoke(name, actor);
        io.stdout.write(`token "${name}" revoked: it is refused from its next request on\n`);
        return 0;
      }
      const { token } = usageErrors(() => tokens.create(name, values.scope!, actor));
      io.stdout.write(`${token}\n`);
      io.stderr.write(`token "${name}" (${values.scope}) created. It is shown only this once: store it where the other system keeps its secrets.\n`);
      return 0;
    } finally {
      await app.stop();
    }
  },
};
