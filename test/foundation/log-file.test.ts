import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeApplianceDir, ROOT } from '../../scripts/proof/lib/appliance.ts';
import { tryLogin } from '../sftp/harness.ts';
import { cleanEnv } from './cli-process.ts';

const MAX = 4096;
const KEEP = 2;

describe('log.file', () => {
  it('writes JSON lines to the file instead of stdout, rotates at max_file_bytes and keeps keep_files old files', async () => {
    const app = await makeApplianceDir({
      prefix: 'idphotos-logfile-',
    });
    // Into the [log] table the folder's configuration has already.
    const toml = readFileSync(app.config, 'utf8');
    expect(toml).toContain('[log]\n');
    writeFileSync(app.config, toml.replace('[log]\n', `[log]\nfile = "logs/idphotos.log"\nmax_file_bytes = ${MAX}\nkeep_files = ${KEEP}\n`));
    const logDir = join(app.dir, 'logs');
    const file = join(logDir, 'idphotos.log');
    const child = spawn(process.execPath, [join(ROOT, 'bin/idphotos.js'), 'serve', '--config', app.config], { cwd: app.dir, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // Every line in every file, oldest file first.
      const lines = () =>
        ['idphotos.log.2', 'idphotos.log.1', 'idphotos.log']
          .map((name) => join(logDir, name))
          .filter(existsSync)
          .flatMap((path) => readFileSync(path, 'utf8').split('\n').filter(Boolean));
      await expect.poll(() => lines().some((l) => l.includes('sftp listening on')) || stderr, { timeout: 30_000 }).toBe(true);
      const port = Number(/sftp listening on [^"]+:(\d+)/.exec(lines().find((l) => l.includes('sftp listening on'))!)![1]);
      // Wrong passwords until the log has been rotated more often than it keeps files.
      for (let i = 0; i < 40 && !existsSync(join(logDir, `idphotos.log.${KEEP}`)); i++) {
        await tryLogin({ port }, { password: `wrong-${i}` });
      }
      await expect.poll(() => existsSync(join(logDir, `idphotos.log.${KEEP}`)), { timeout: 30_000 }).toBe(true);
      // One more rotation: the oldest file goes rather than becoming idphotos.log.3.
      const oldest = readFileSync(join(logDir, `idphotos.log.${KEEP}`), 'utf8');
      for (let i = 0; i < 40 && readFileSync(join(logDir, `idphotos.log.${KEEP}`), 'utf8') === oldest; i++) await tryLogin({ port }, { password: `more-wrong-${i}` });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toBe('');
    const names = readdirSync(logDir).sort();
    expect(names).toEqual(['idphotos.log', 'idphotos.log.1', 'idphotos.log.2']);
    for (const name of names) {
      const path = join(logDir, name);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      // Rotated when a write takes it past the limit: at most one line over it.
      expect(statSync(path).size).toBeLessThan(MAX + 2048);
      for (const line of readFileSync(path, 'utf8').split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
    }
    // The last line written before the exit made it to a file.
    const last = names.map((name) => readFileSync(join(logDir, name), 'utf8')).join('');
    expect(last).toContain('"msg":"stopped"');
  }, 120_000);
});
