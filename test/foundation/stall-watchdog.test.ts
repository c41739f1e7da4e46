import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../sftp/harness.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** Runs vitest on `dir` with the watchdog as a reporter; resolves with its exit code and output. */
function nestedVitest(dir: string, stallSeconds: number): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--root', dir, '--config', join(dir, 'vitest.config.mjs')], {
      cwd: dir,
      env: { ...process.env, IDPHOTOS_TEST_STALL_SECONDS: String(stallSeconds), CI: 'true' },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => done({ code, output }));
  });
}

describe('stall watchdog (test/stall-watchdog.ts)', () => {
  it('ends a test file whose worker is blocked, says where it stood, and the run fails instead of hanging', async () => {
    const dir = tempDir('idphotos-stall-');
    // The file blocks its worker's event loop: vitest's own timeouts cannot end it.
    writeFileSync(join(dir, 'stuck.test.mjs'), "import { execFileSync } from 'node:child_process';\nit('blocks', () => { execFileSync('sleep', ['300']); });\n");
    writeFileSync(
      join(dir, 'vitest.config.mjs'),
      `export default { test: { include: ['stuck.test.mjs'], globals: true, pool: 'forks', testTimeout: 600000, reporters: ['default', ${JSON.stringify(join(ROOT, 'test/stall-watchdog.ts'))}] } };\n`,
    );
    const { code, output } = await nestedVitest(dir, 3);
    expect(code).not.toBe(0);
    expect(output).toContain('[stall watchdog] a test worker has run for over 3 s without finishing its file');
    expect(output).toContain(join(dir, 'stuck.test.mjs'));
    expect(output).toMatch(/started by it: pid \d+ state \w waiting in [^:]+: sleep 300/);
    expect(output).toContain('Worker exited unexpectedly');
  }, 90_000);
});
