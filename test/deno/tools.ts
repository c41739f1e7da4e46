import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export { denoBinary } from '../../scripts/proof/lib/deno.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
