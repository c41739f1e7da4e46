import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');

/**
 * The Deno 2 binary of the npm package `deno` (devDependencies): nothing is downloaded at run
 * time. Throws one line naming it when it is missing.
 */
export function denoBinary(): string {
  // NB: the platform package holds the binary itself; .bin/deno may be the package's Node wrapper.
  const candidates = [join(ROOT, 'node_modules', '@deno', 'linux-x64-glibc', 'deno'), join(ROOT, 'node_modules', '.bin', 'deno')];
  const bin = candidates.find((c) => existsSync(c));
  if (!bin) throw new Error('missing tool: deno (the npm package deno in devDependencies; run npm install)');
  return bin;
}
