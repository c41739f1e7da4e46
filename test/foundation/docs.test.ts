// The configuration reference in README.md and the commented appliance.toml must list every key
// of src/config/schema.ts, and nothing else: add a row and a line when you add a key.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.ts';
import { SCHEMA, type FieldSpec } from '../../src/config/schema.ts';
import { ROOT } from './cli-process.ts';

/** `sftp.defender.max_failures`, `sftp.accounts[].username`, `roster.mapping."FILE".kind`. */
function schemaKeys(fields: Record<string, FieldSpec>, prefix = ''): string[] {
  return Object.entries(fields).flatMap(([name, spec]) => {
    const key = prefix ? `${prefix}.${name}` : name;
    if (spec.type === 'table') return schemaKeys(spec.fields, key);
    if (spec.type === 'tables') return schemaKeys(spec.fields, `${key}[]`);
    if (spec.type === 'map') return schemaKeys(spec.of, `${key}."FILE"`);
    return [key];
  });
}

/** Keys written in appliance.toml, commented out or not, in the same notation. */
function applianceKeys(text: string): string[] {
  const keys: string[] = [];
  let table = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^#\s?/, '');
    const header = /^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?/.exec(line);
    if (header) {
      table = header[2]!.replace(/\."[^"]*"/g, '."FILE"') + (header[1] === '[[' ? '[]' : '');
      continue;
    }
    const assignment = /^([a-z_]+)\s*=/.exec(line);
    if (assignment) keys.push(table ? `${table}.${assignment[1]}` : assignment[1]!);
  }
  return keys;
}

const KEYS = schemaKeys(SCHEMA as unknown as Record<string, FieldSpec>);
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const APPLIANCE = readFileSync(join(ROOT, 'appliance.toml'), 'utf8');

describe('configuration documentation', () => {
  it('README.md\'s "Configuration reference" has a row for exactly the schema\'s keys', () => {
    const section = README.split(/^## Configuration reference$/m)[1]?.split(/^## /m)[0] ?? '';
    const rows = [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
    expect(KEYS.filter((k) => !rows.includes(k)), 'keys missing from README.md').toEqual([]);
    expect(rows.filter((k) => !KEYS.includes(k!)), 'README.md rows for keys the schema lacks').toEqual([]);
  });

  it('appliance.toml mentions exactly the schema\'s keys', () => {
    const written = applianceKeys(APPLIANCE);
    expect(KEYS.filter((k) => !written.includes(k)), 'keys missing from appliance.toml').toEqual([]);
    expect(written.filter((k) => !KEYS.includes(k)), 'appliance.toml keys the schema lacks').toEqual([]);
  });

  it('the values set in appliance.toml are the defaults', () => {
    const file = join(ROOT, 'appliance.toml');
    const fromFile = { ...parseConfig(APPLIANCE, file), config_file: '' };
    expect(fromFile).toEqual(parseConfig('', '', ROOT));
  });
});
