import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/shared/passwords.ts';
import { COMMANDS } from '../../src/cli.ts';
import { ROOT, isOneLine, run } from './cli-process.ts';

const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;

describe('idphotos command line', () => {
  it('--version prints the package version, exit 0', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`idphotos ${VERSION}\n`);
  });

  it('--help lists every command and the exit codes, exit 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(r.stdout).toContain('Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error');
  });

  it('hash-password from a pipe prints one argon2id PHC line at OWASP strength that verifies', async () => {
    const r = await run(['hash-password'], { input: 'correct horse battery staple\n' });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/.exec(lines[0]!);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(19456);
    expect(Number(m![2])).toBeGreaterThanOrEqual(2);
    expect(Number(m![3])).toBe(1);
    // The newline `echo` adds is not part of the password.
    expect(await verifyPassword('correct horse battery staple', lines[0]!)).toBe(true);
    expect(await verifyPassword('correct horse battery staple\n', lines[0]!)).toBe(false);
  });

  it('hash-password refuses an empty password, exit 2', async () => {
    const r = await run(['hash-password'], { input: '' });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(isOneLine(r.stderr)).toBe(true);
    expect(r.stderr).toContain('the password is empty');
  });

  it('an unknown command or option is a usage error, exit 2, one line', async () => {
    for (const args of [['frobnicate'], ['check-config', '--colour']]) {
      const r = await run(args);
      expect(r.code).toBe(2);
      expect(isOneLine(r.stderr)).toBe(true);
    }
  });
});
