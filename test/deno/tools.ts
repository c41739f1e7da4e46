import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The Deno 2 binary of the `deno` npm package (devDependencies): nothing is downloaded at run time. */
export function denoBinary(): string {
  // NB: the platform package holds the binary itself; .bin/deno may be the package's Node wrapper.
  const candidates = [join(ROOT, 'node_modules', '@deno', 'linux-x64-glibc', 'deno'), join(ROOT, 'node_modules', '.bin', 'deno')];
  const bin = candidates.find((c) => existsSync(c));
  if (!bin) throw new Error('missing tool: deno (the npm package deno in devDependencies; run npm install)');
  return bin;
}

/** The path of a command on PATH; throws one line naming it when it is missing. */
export function requireTool(name: string, hint: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`missing tool: ${name} (${hint})`);
  }
}
