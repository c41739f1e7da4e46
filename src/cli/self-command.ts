import { isSea } from 'node:sea';

/**
 * How to run this program again, for work the appliance hands to a child process (the scheduled
 * backup runs `idphotos backup`): the single executable itself, or node with the script it was
 * started with (bin/idphotos.js).
 */
export function selfCommand(): string[] {
  return isSea() ? [process.execPath] : [process.execPath, process.argv[1]!];
}
