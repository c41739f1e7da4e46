import { describe, expect, it } from 'vitest';
import { runHostile } from '../../scripts/proof/hostile-run.ts';

// The whole hostile corpus (≥ 100 cases) against one live appliance with prior data in place.
describe('hostile input corpus', () => {
  it('refuses or neutralises every case with a clear message and keeps the prior data intact', async () => {
    const report = await runHostile();
    const total = report.results.length;
    console.log(`hostile corpus: ${total} cases ${JSON.stringify(report.counts)}`);
    expect(total).toBeGreaterThanOrEqual(100);
    for (const category of ['sftp-path', 'file', 'csv', 'web'] as const) expect(report.counts[category]).toBeGreaterThan(0);
    expect(report.failures).toEqual([]);
    for (const r of report.results) expect(r.message, r.title).toMatch(/\S/);
  }, 240_000);
});
