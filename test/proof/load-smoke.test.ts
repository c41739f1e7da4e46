import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/proof/lib/appliance.ts';

// A small run of bench/load.ts (the full one is 20 sessions × 500 photos, too heavy for CI):
// uploads and web clients together, zero errors and zero lost files.
describe('load (smoke)', () => {
  it('uploads from 3 SFTP sessions while 5 web clients browse: no error, nothing lost', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/load.ts'), '--sessions', '3', '--photos', '15', '--web', '5', '--think-ms', '200', '--idle-seconds', '2'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    const json = r.stdout.split('\n').find((l) => l.startsWith('{"bench":"load"'));
    expect(json, `${r.stdout}\n${r.stderr}`).toBeDefined();
    const result = JSON.parse(json!);
    expect(result.uploaded).toBe(45);
    expect(result.errors).toBe(0);
    expect(result.lost).toBe(0);
    expect(r.status).toBe(0);
  }, 150_000);
});
