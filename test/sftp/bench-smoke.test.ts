import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { run } from './harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('bench/sftp-batch.ts', () => {
  it('runs end to end on a tiny batch (sshd reference and the real appliance)', async () => {
    const r = await run(process.execPath, ['--import', 'tsx', 'bench/sftp-batch.ts', '--count', '3', '--runs', '1'], { cwd: ROOT, timeoutMs: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\| OpenSSH sshd, internal-sftp \(reference\) \| [\d.]+ s \| 1\.00× \|/);
    expect(r.stdout).toMatch(/\| idphotos, photo folder .* \| [\d.]+ s \| [\d.]+× \|/);
    expect(r.stdout).toMatch(/\| idphotos, temporary names .* \| [\d.]+ s \| [\d.]+× \|/);
  }, 150_000);
});
