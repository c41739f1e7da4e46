import { ConfigError } from './config/parse.ts';
import { errorMessage } from './shared/errors.ts';
import { VERSION } from './version.ts';
import { privateUmask } from './storage/private-files.ts';
import { UsageError, type Command, type CommandIO } from './cli/common.ts';
import { serveCommand } from './cli/serve.ts';
import { checkConfigCommand } from './cli/check-config.ts';
import { hashPasswordCommand } from './cli/hash-password.ts';
import { importCommand } from './cli/import.ts';
import { importsCommand } from './cli/imports.ts';
import { photosCommand } from './cli/photos.ts';
import { backupCommand } from './cli/backup.ts';
import { tokensCommand } from './cli/tokens.ts';
import { installServiceCommand } from './cli/install-service.ts';

/** Every command the executable knows; `serve` runs when none is named. */
export const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  'check-config': checkConfigCommand,
  'hash-password': hashPasswordCommand,
  import: importCommand,
  imports: importsCommand,
  photos: photosCommand,
  backup: backupCommand,
  tokens: tokensCommand,
  'install-service': installServiceCommand,
};

export function helpText(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    `idphotos ${VERSION}: ID photos and rosters for school districts`,
    '',
    'Usage: idphotos [COMMAND] [OPTIONS]',
    '',
    'Commands:',
    ...lines,
    '',
    'Options: --config FILE (default ./appliance.toml, else the embedded defaults), --help, --version',
    'Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.',
  ].join('\n');
}

/**
 * Runs one command line and resolves with the exit code. The only place that turns errors
 * into exit codes: configuration and usage problems → 2, anything else → 1, one line each.
 */
export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-V' || first === 'version') {
    io.stdout.write(`idphotos ${VERSION}\n`);
    return 0;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    io.stdout.write(`${helpText()}\n`);
    return 0;
  }
  const name = first === undefined || first.startsWith('-') ? 'serve' : first;
  const args = name === first ? rest : argv;
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`idphotos: unknown command "${name}"; try idphotos --help\n`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(`Usage: ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`${err.message}\n`);
      return 2;
    }
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    io.stderr.write(`idphotos ${name}: ${errorMessage(err)}\n`);
    return usage ? 2 : 1;
  }
}

/** Entry point of the executable and of bin/idphotos.js. */
export async function run(): Promise<void> {
  // Every command may write into data_dir (the database, work copies, backups, the native
  // runtime): whatever the caller's umask, what it creates is its owner's only.
  privateUmask();
  const code = await main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
  process.exitCode = code;
  // NB: a leftover handle (stdin, a pool) must not keep a finished command alive.
  setTimeout(() => process.exit(code), 100).unref();
}

// `deno run -A src/cli.ts …`: under Deno this file is the main module. Node comes in through
// bin/idphotos.js or the single executable's sea-main.ts, which call run() themselves.
// NB: no top-level await: the executable's bundle is CommonJS.
if ((globalThis as { Deno?: { mainModule?: string } }).Deno?.mainModule === import.meta.url) void run();
