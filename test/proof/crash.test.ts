import { describe, expect, it } from 'vitest';
import { runCrashTest } from '../../scripts/proof/crash.ts';
import { seedFrom } from '../../scripts/proof/lib/rng.ts';

// The bounded crash test of the CI suite; `npm run test:crash` runs the full one (≥ 50 kills).
describe('crash safety (kill -9 under load, bounded)', () => {
  it('loses no acknowledged upload, leaves no debris and no half-applied import', async () => {
    const seed = seedFrom(process.env, 'CRASH_SEED');
    const lines: string[] = [];
    const report = await runCrashTest({ seed, kills: Number(process.env.CRASH_KILLS ?? 12), log: (l) => lines.push(l) });
    console.log(`crash test seed ${seed}: ${JSON.stringify({ ...report, failures: report.failures.length })}`);
    expect(report.photoUploads.acknowledged).toBeGreaterThan(0);
    expect(report.csvUploads.acknowledged).toBeGreaterThan(0);
    expect(report.failures, `seed ${seed} (CRASH_SEED=${seed} replays it)`).toEqual([]);
  }, 240_000);
});
