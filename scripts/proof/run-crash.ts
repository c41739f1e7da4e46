/**
 * `npm run test:crash`: the full crash test (60 kills by default). Env: CRASH_SEED, CRASH_KILLS,
 * CRASH_EXE (run the built executable), CRASH_KEEP=1 (keep the data folder).
 */
import { resolve } from 'node:path';
import { runCrashTest } from './crash.ts';
import { seedFrom } from './lib/rng.ts';

const seed = seedFrom(process.env, 'CRASH_SEED');
const kills = Number(process.env.CRASH_KILLS ?? 60);
if (!Number.isSafeInteger(kills) || kills < 1) throw new Error(`CRASH_KILLS must be a positive integer (got "${process.env.CRASH_KILLS}")`);
const started = Date.now();
const report = await runCrashTest({
  seed,
  kills,
  command: process.env.CRASH_EXE ? resolve(process.env.CRASH_EXE) : undefined,
  keep: process.env.CRASH_KEEP === '1',
});
const { failures, ...summary } = report;
console.log(JSON.stringify({ ...summary, seconds: Math.round((Date.now() - started) / 1000) }));
if (failures.length) {
  console.log(`\nFAILED (seed ${seed}; data kept in ${report.dir}):`);
  for (const f of failures) console.log(`  - ${f}`);
  process.exit(1);
}
console.log(`passed: ${report.kills} kills, ${report.photoUploads.acknowledged} photo and ${report.csvUploads.acknowledged} roster uploads acknowledged, none lost (seed ${seed})`);
