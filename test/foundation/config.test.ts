import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig, ConfigError } from '../../src/config/parse.ts';
import { isOneLine, removeTempAppliances, run, tempAppliance } from './cli-process.ts';

afterAll(removeTempAppliances);

describe('check-config', () => {
  it('reports a misspelt key, a wrong type and a bad listen address together, with lines, exit 2', async () => {
    const { dir } = tempAppliance();
    const file = join(dir, 'broken.toml');
    writeFileSync(
      file,
      [
        'data_dir = "data"', //                      1
        '', //                                       2
        '[sftp]', //                                 3
        'listen = "0.0.0.0:99999"', //               4  port out of range
        'max_photo_byte = 1000000', //               5  misspelt
        '', //                                       6
        '[web]', //                                  7
        'session_idle_minutes = "eight hours"', //   8  wrong type
      ].join('\n'),
    );
    const r = await run(['check-config', '--config', file]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^broken\.toml:4: sftp\.listen: "0\.0\.0\.0:99999" is not a listen address/);
    expect(lines[1]).toMatch(/^broken\.toml:5: sftp\.max_photo_byte: unknown key \(did you mean "max_photo_bytes"\?\)/);
    expect(lines[2]).toMatch(/^broken\.toml:8: web\.session_idle_minutes: must be a whole number, not the string "eight hours"/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('prints the effective configuration of a valid file with secrets redacted, exit 0', async () => {
    const { config } = tempAppliance(
      '\n[[web.accounts]]\nusername = "admin"\nrole = "admin"\npassword_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"\n',
    );
    const r = await run(['check-config', '--config', config]);
    expect(r.code).toBe(0);
    const effective = JSON.parse(r.stdout);
    expect(effective.web.listen).toEqual({ host: '127.0.0.1', port: 0 });
    expect(effective.web.accounts[0].password_hash).toBe('[redacted]');
    expect(r.stdout).not.toContain('aGFzaGhhc2g');
    expect(r.stderr).toMatch(/configuration is valid/);
  });

  it('names a missing configuration file in one line, exit 2', async () => {
    const { dir } = tempAppliance();
    const missing = join(dir, 'nope.toml');
    for (const command of ['check-config', 'serve']) {
      const r = await run([command, '--config', missing]);
      expect(r.code).toBe(2);
      expect(isOneLine(r.stderr)).toBe(true);
      expect(r.stderr).toContain(`cannot read configuration ${missing}: file not found`);
    }
  });

  it('resolves relative paths against the file’s folder', () => {
    const config = parseConfig('data_dir = "var/idphotos"\n[executable]\ncache_dir = "cache"\n', '/srv/app/appliance.toml');
    expect(config.data_dir).toBe('/srv/app/var/idphotos');
    expect(config.executable.cache_dir).toBe('/srv/app/cache');
  });

  it.each([
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['[::]:2222', { host: '::', port: 2222 }],
    ['localhost:8080', { host: 'localhost', port: 8080 }],
  ])('accepts listen = "%s"', (listen, expected) => {
    expect(parseConfig(`[web]\nlisten = "${listen}"\n`, '').web.listen).toEqual(expected);
  });

  it.each(['8080', '0.0.0.0', '256.1.1.1:80', '0.0.0.0:65536', 'http://x:80'])('refuses listen = "%s"', (listen) => {
    expect(() => parseConfig(`[web]\nlisten = "${listen}"\n`, 'a.toml')).toThrow(ConfigError);
  });

  it.each([
    ['10.0.0.300', 'sftp.defender.allow_list[0]: "10.0.0.300" is not an IP address or CIDR range'],
    ['10.0.0.0/33', 'sftp.defender.allow_list[0]: "10.0.0.0/33": the prefix length must be 0 to 32'],
  ])('refuses the defender allow_list entry "%s", naming it', (entry, message) => {
    expect(() => parseConfig(`[sftp.defender]\nallow_list = ["${entry}"]\n`, 'a.toml')).toThrow(message);
  });

  it('accepts addresses and CIDR ranges of both families in the defender allow_list', () => {
    const entries = ['10.0.0.5', '10.1.0.0/16', '::1', 'fd00::/8'];
    expect(parseConfig(`[sftp.defender]\nallow_list = ${JSON.stringify(entries)}\n`, '').sftp.defender.allow_list).toEqual(entries);
  });
});
