import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProgram } from '../../scripts/proof/lib/run-program.ts';
import { renderUnit } from '../../src/cli/systemd-unit.ts';
import { requireProgram } from '../programs.ts';
import { ROOT, run } from './cli-process.ts';

/** `systemd-analyze verify` of a unit text, as a file named like the installed unit. */
async function verify(unit: string): Promise<{ code: number | null; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'idphotos-unit-'));
  const file = join(dir, 'idphotos.service');
  writeFileSync(file, unit);
  const r = await runProgram(requireProgram('systemd-analyze'), ['verify', file]);
  return { code: r.code, stderr: r.stderr };
}

/** A system image folder with this machine's account files: useradd --prefix changes the copies only. */
function imageRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'idphotos-root-'));
  mkdirSync(join(root, 'etc'));
  for (const f of ['passwd', 'group', 'shadow', 'gshadow', 'login.defs']) copyFileSync(join('/etc', f), join(root, 'etc', f));
  return root;
}

describe('idphotos install-service', () => {
  it('--print shows the hardened unit for this idphotos, which systemd-analyze verify accepts without a word', async () => {
    const r = await run(['install-service', '--print', '--config', '/etc/idphotos/appliance.toml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`ExecStart=${process.execPath} ${join(ROOT, 'bin/idphotos.js')} serve --config /etc/idphotos/appliance.toml`);
    for (const line of ['User=idphotos', 'UMask=0077', 'ProtectSystem=strict', 'NoNewPrivileges=yes', 'CapabilityBoundingSet=', 'StateDirectory=idphotos']) {
      expect(r.stdout.split('\n')).toContain(line);
    }
    expect(await verify(r.stdout)).toEqual({ code: 0, stderr: '' });
  });

  it('systemd-analyze verify does object to a broken unit (the check above can fail)', async () => {
    const r = await run(['install-service', '--print']);
    const broken = await verify(r.stdout.replace('ProtectSystem=strict', 'ProtectSystm=strict').replace(`ExecStart=${process.execPath}`, 'ExecStart=/nonexistent/idphotos'));
    expect(broken.stderr).toMatch(/Unknown key 'ProtectSystm'/);
    expect(broken.stderr).toMatch(/nonexistent/);
  });

  it('README shows the unit exactly as install-service writes it for /usr/local/bin/idphotos', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const shown = /```ini\n(\[Unit\][\s\S]*?)```/.exec(readme)?.[1];
    expect(shown).toBe(renderUnit({ user: 'idphotos', exec: ['/usr/local/bin/idphotos'], config: '/etc/idphotos/appliance.toml' }));
  });

  it('installs into a system image: system user, configuration, data folder, unit; a second run changes nothing it made', async () => {
    const root = imageRoot();
    const r = await run(['install-service', '--root', root, '--user', 'idphotos']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8').split('\n').find((l) => l.startsWith('idphotos:'));
    expect(passwd).toMatch(/^idphotos:x:\d+:\d+::\/var\/lib\/idphotos:\/usr\/sbin\/nologin$/);
    const [, , uid, gid] = passwd!.split(':').map(Number);
    expect(r.stdout).toContain(`created the system user idphotos (uid ${uid})`);
    expect(r.stdout).toContain('Next steps:');
    expect(r.stdout).toContain('systemctl daemon-reload && systemctl enable --now idphotos');

    const unit = readFileSync(join(root, 'etc/systemd/system/idphotos.service'), 'utf8');
    const printed = await run(['install-service', '--print', '--root', root]);
    expect(unit).toBe(printed.stdout);
    expect(statSync(join(root, 'etc/systemd/system/idphotos.service')).mode & 0o777).toBe(0o644);
    expect(await verify(unit)).toEqual({ code: 0, stderr: '' });

    const config = join(root, 'etc/idphotos/appliance.toml');
    expect(readFileSync(config, 'utf8')).toContain('data_dir = "/var/lib/idphotos"');
    expect(statSync(config)).toMatchObject({ uid: 0, gid });
    expect(statSync(config).mode & 0o777).toBe(0o640);
    expect(statSync(join(root, 'etc/idphotos')).mode & 0o777).toBe(0o750);
    const data = statSync(join(root, 'var/lib/idphotos'));
    expect({ uid: data.uid, gid: data.gid, mode: data.mode & 0o777 }).toEqual({ uid, gid, mode: 0o700 });
    // The configuration it wrote is valid.
    const check = await run(['check-config', '--config', config, '--quiet']);
    expect(check.stderr).toContain('configuration is valid');
    expect(check.code).toBe(0);

    writeFileSync(config, `${readFileSync(config, 'utf8')}\n# the admin's edit\n`);
    const again = await run(['install-service', '--root', root]);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('created the system user');
    expect(readFileSync(config, 'utf8')).toContain("# the admin's edit");
    expect(readFileSync(join(root, 'etc/passwd'), 'utf8').split('\n').filter((l) => l.startsWith('idphotos:'))).toHaveLength(1);
  });

  it('a data_dir, a log folder and backup.dir outside /var/lib/idphotos are made writable for the hardened service (ReadWritePaths)', async () => {
    const root = imageRoot();
    mkdirSync(join(root, 'etc/idphotos'), { recursive: true });
    writeFileSync(join(root, 'etc/idphotos/appliance.toml'), 'data_dir = "/srv/idphotos"\n[log]\nfile = "/var/log/idphotos/idphotos.log"\n[backup]\ndir = "/srv/backup/idphotos"\nschedule = "02:30"\n');
    const r = await run(['install-service', '--root', root]);
    expect(r.code).toBe(0);
    const unit = readFileSync(join(root, 'etc/systemd/system/idphotos.service'), 'utf8');
    expect(unit.split('\n')).toContain('ReadWritePaths=/srv/idphotos');
    expect(unit.split('\n')).toContain('ReadWritePaths=/var/log/idphotos');
    expect(unit.split('\n')).toContain('ReadWritePaths=/srv/backup/idphotos');
    expect(statSync(join(root, 'srv/backup/idphotos')).mode & 0o777).toBe(0o700);
    expect(statSync(join(root, 'srv/idphotos')).mode & 0o777).toBe(0o700);
    expect(statSync(join(root, 'var/log/idphotos')).mode & 0o777).toBe(0o700);
    expect(await verify(unit)).toEqual({ code: 0, stderr: '' });
  });

  it('a second run keeps a unit the admin edited (port 22) and writes this version\'s beside it as .new', async () => {
    const root = imageRoot();
    expect((await run(['install-service', '--root', root])).code).toBe(0);
    const unitPath = join(root, 'etc/systemd/system/idphotos.service');
    const edited = readFileSync(unitPath, 'utf8').replace('CapabilityBoundingSet=\n', 'CapabilityBoundingSet=CAP_NET_BIND_SERVICE\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n');
    writeFileSync(unitPath, edited);
    const again = await run(['install-service', '--root', root]);
    expect(again.code).toBe(0);
    expect(readFileSync(unitPath, 'utf8')).toBe(edited);
    expect(again.stdout).toContain('kept /etc/systemd/system/idphotos.service, which differs from this version\'s unit');
    const printed = await run(['install-service', '--print', '--root', root]);
    expect(readFileSync(`${unitPath}.new`, 'utf8')).toBe(printed.stdout);
  });

  it('never takes over a folder other programs use: /etc keeps its mode, a log file in /var/log is refused plainly', async () => {
    const root = imageRoot();
    chmodSync(join(root, 'etc'), 0o755);
    writeFileSync(join(root, 'etc/idphotos.toml'), 'data_dir = "/srv/idphotos"\n');
    const r = await run(['install-service', '--root', root, '--config', '/etc/idphotos.toml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(statSync(join(root, 'etc'))).toMatchObject({ uid: 0, gid: 0 });
    expect(statSync(join(root, 'etc')).mode & 0o777).toBe(0o755);
    expect(statSync(join(root, 'etc/idphotos.toml')).mode & 0o777).toBe(0o640);

    mkdirSync(join(root, 'var/log'), { recursive: true, mode: 0o755 });
    chmodSync(join(root, 'var/log'), 0o755);
    writeFileSync(join(root, 'etc/idphotos.toml'), 'data_dir = "/srv/idphotos"\n[log]\nfile = "/var/log/idphotos.log"\n');
    const refused = await run(['install-service', '--root', root, '--config', '/etc/idphotos.toml']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('log.file in /etc/idphotos.toml puts idphotos in /var/log, a folder other programs use');
    expect(statSync(join(root, 'var/log'))).toMatchObject({ uid: 0, gid: 0 });
    expect(statSync(join(root, 'var/log')).mode & 0o777).toBe(0o755);
  });

  it('a configuration path with % or $ is escaped for systemd, one with a newline is refused (no directive can be slipped in)', async () => {
    const r = await run(['install-service', '--print', '--config', '/etc/idphotos/100%h $HOME.toml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--config "/etc/idphotos/100%%h $$HOME.toml"');
    expect(await verify(r.stdout)).toEqual({ code: 0, stderr: '' });

    const injected = await run(['install-service', '--print', '--config', '/etc/x.toml\nExecStartPre=/bin/touch /tmp/owned']);
    expect(injected.code).toBe(2);
    expect(injected.stderr).toMatch(/has a control character/);
    expect(injected.stdout).not.toContain('ExecStartPre');
  });

  it('refuses a user name useradd would not take, exit 2', async () => {
    const r = await run(['install-service', '--print', '--user', 'Bad User']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--user Bad User: a system user name is/);
    const root = await run(['install-service', '--print', '--user', 'root']);
    expect(root.code).toBe(2);
    expect(root.stderr).toContain('--user root: the service must not run as root');
    expect(root.stdout).not.toContain('User=root');
  });
});
