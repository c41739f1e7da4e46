import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseConfig, ConfigError } from './parse.ts';
import type { Config } from './schema.ts';

/** Reads and parses a configuration file; a missing or unreadable file is a ConfigError too. */
export function loadConfigFile(file: string): Config {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a folder, not a file' : String(err);
    throw new ConfigError(path, [{ key: '', message: `cannot read configuration ${path}: ${why}` }]);
  }
  return parseConfig(text, path);
}
