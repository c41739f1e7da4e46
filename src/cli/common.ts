import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfigFile } from '../config/load.ts';
import { parseConfig } from '../config/parse.ts';
import type { Config } from '../config/schema.ts';
import { isAppError } from '../shared/errors.ts';

/** A mistake in how the command was called: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Runs `fn`; the domain's 'invalid' refusal of an option's value becomes a usage error (exit code 2) with its reason. */
export function usageErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (isAppError(err, 'invalid')) throw new UsageError(err.message);
    throw err;
  }
}

export interface CommandIO {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface Command {
  summary: string;
  usage: string;
  /** Resolves with the exit code. */
  run(args: string[], io: CommandIO): Promise<number>;
}

/** `--config FILE` / `-c FILE`, the option every command that reads appliance.toml takes (see configFromArgs). */
export const CONFIG_OPTION = { type: 'string', short: 'c' } as const;

/**
 * `--config FILE` if given; else ./appliance.toml if present; else the embedded defaults
 * (every key at its default, paths relative to the current folder).
 */
export function configFromArgs(configPath: string | undefined): Config {
  if (configPath) return loadConfigFile(configPath);
  const local = resolve('appliance.toml');
  if (existsSync(local)) return loadConfigFile(local);
  return parseConfig('', '', process.cwd());
}
