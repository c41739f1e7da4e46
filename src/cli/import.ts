import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { CONFIG_OPTION, configFromArgs, UsageError, type Command } from './common.ts';
import { describeImport, openRoster } from './roster-common.ts';
import type { RosterKind } from '../domain/roster/types.ts';

const KINDS: readonly RosterKind[] = ['students', 'staff', 'oneroster'];

/**
 * `idphotos import FILE`: the same import as an upload to /incoming/data/, at once (no quiet
 * period). Exit code 1 when the file is refused; a held import exits 0 and says how to approve.
 */
export const importCommand: Command = {
  summary: 'import a roster CSV now (students.csv, staff.csv, teachers.csv, users.csv, or --kind)',
  usage: 'idphotos import FILE [--kind students|staff|oneroster] [--config FILE] [--json]',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { config: CONFIG_OPTION, kind: { type: 'string', short: 'k' }, json: { type: 'boolean' } },
    });
    if (positionals.length !== 1) throw new UsageError('name one roster file: idphotos import FILE [--kind students|staff|oneroster]');
    const kind = values.kind as RosterKind | undefined;
    if (kind !== undefined && !KINDS.includes(kind)) throw new UsageError(`--kind must be one of ${KINDS.join(', ')}, not "${kind}"`);
    const config = configFromArgs(values.config);
    const app = await openRoster(config);
    const { roster } = app.ctx;
    try {
      const rec = await roster.importFile({ path: resolve(positionals[0]!), kind, origin: 'cli' });
      io.stdout.write(values.json ? `${JSON.stringify(rec, null, 2)}\n` : describeImport(rec));
      return rec.status === 'refused' ? 1 : 0;
    } finally {
      await app.stop();
    }
  },
};
