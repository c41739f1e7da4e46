import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export { denoBinary } from '../../scripts/proof/lib/deno.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The path of a command on PATH; throws one line naming it when it is missing. */
export function requireTool(name: string, hint: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`missing tool: ${name} (${hint})`);
  }
}
