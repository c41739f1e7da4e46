import { fileURLToPath } from 'node:url';
import { isSingleExecutable } from '../native/runtime.ts';

/**
 * How to run this program again, for work the appliance hands to a child process (the scheduled
 * backup runs `idphotos backup`): the single executable itself, `deno run -A` with the entry
 * module under Deno, or node with the script it was started with (bin/idphotos.js).
 * NB: no `node:sea` here: Deno has no such module, and the executable's entry point knows anyway.
 */
export function selfCommand(): string[] {
  if (isSingleExecutable()) return [process.execPath];
  const deno = (globalThis as { Deno?: { execPath(): string; mainModule: string } }).Deno;
  if (deno) return [deno.execPath(), 'run', '-A', fileURLToPath(deno.mainModule)];
  return [process.execPath, process.argv[1]!];
}
