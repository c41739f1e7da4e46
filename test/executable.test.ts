// Builds the single executable once, copies it ALONE into an empty folder and runs it with an
// empty environment, as an admin would on a server without Node.js or node_modules.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/cli.ts';
import { ROOT, isOneLine, run, serve } from './foundation/cli-process.ts';

const isRoot = process.getuid?.() === 0;
/** Mounting a noexec tmpfs needs root with CAP_SYS_ADMIN (some containers lack it). */
const canMountNoexec = (() => {
  if (!isRoot) return false;
  const probe = mkdtempSync(join(tmpdir(), 'idphotos-mount-probe-'));
  const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o noexec,size=1m tmpfs "$1"', 'sh', probe]);
  rmSync(probe, { recursive: true, force: true });
  return r.status === 0;
})();
let work: string;
let folder: string;
let exe: string;

/** `env -i ./idphotos ARGS` in the executable's folder. */
const runExe = (args: string[], input?: string, extra: { uid?: number; gid?: number } = {}) =>
  run(['-i', exe, ...args], { command: 'env', cwd: folder, input, ...extra });

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'idphotos-executable-'));
  chmodSync(work, 0o755);
  const built = join(work, 'build', 'idphotos');
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-sea.mjs'), '--out', built], { cwd: ROOT, stdio: 'pipe' });
  folder = join(work, 'alone');
  mkdirSync(folder);
  exe = join(folder, 'idphotos');
  copyFileSync(built, exe);
  chmodSync(exe, 0o755);
  rmSync(join(work, 'build'), { recursive: true });
  // A few seconds alone; postject's WebAssembly is slow when every core is busy with other tests.
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the single executable, alone in an empty folder with an empty environment', () => {
  it('--version, --help, check-config and hash-password work without unpacking native libraries', async () => {
    const version = await runExe(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^idphotos \d+\.\d+\.\d+\n$/);
    expect((await runExe(['--help'])).stdout).toContain('hash-password');

    const check = await runExe(['check-config', '--quiet']);
    expect(check.code).toBe(0);
    expect(check.stderr).toContain('embedded defaults: configuration is valid');

    const hash = await runExe(['hash-password'], 'secret\n');
    expect(hash.code).toBe(0);
    expect(hash.stdout).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$\S+\n$/);

    // Nothing was written beside it: no data folder, no unpacked libraries.
    expect(readdirSync(folder)).toEqual(['idphotos']);
  });

  it('check-config reports a broken file with line numbers, exit 2', async () => {
    writeFileSync(join(folder, 'broken.toml'), '[web]\nlisten = "nowhere"\n');
    const r = await runExe(['check-config', '--config', 'broken.toml']);
    rmSync(join(folder, 'broken.toml'));
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^broken\.toml:2: web\.listen: "nowhere" is not a listen address/);
  });

  it('serve answers /healthz, speaks SSH, keeps its data beside it and stops on SIGTERM', async () => {
    writeFileSync(join(folder, 'appliance.toml'), '[sftp]\nlisten = "127.0.0.1:0"\n[web]\nlisten = "127.0.0.1:0"\n');
    const served = await serve(['-i', exe, 'serve', '--config', 'appliance.toml'], { command: 'env', cwd: folder });
    try {
      const health = await fetch(`http://127.0.0.1:${served.webPort}/healthz`);
      expect(health.status).toBe(200);
      expect((await health.json()).status).toBe('ok');
      const password = /created the SFTP account "district" with password: (\S+)/.exec(served.stderr())?.[1];
      expect(password).toBeDefined();
      const login = { host: '127.0.0.1', port: served.sftpPort, username: 'district', password: password!, readyTimeout: 20_000 };
      // rclone asks for an exec then hangs up; a minified ssh2 without keepNames crashed on that.
      expect(await execThenHangUp(login)).toBe('exec refused');
      expect(await listRoot(login)).toEqual(expect.arrayContaining(['incoming']));
      expect((await fetch(`http://127.0.0.1:${served.webPort}/healthz`)).status).toBe(200);
    } finally {
      served.child.kill('SIGTERM');
    }
    const stopped = await served.exited;
    expect(stopped.code).toBe(0);
    const data = join(folder, 'data');
    expect(existsSync(join(data, 'idphotos.db'))).toBe(true);
    expect(existsSync(join(data, 'ssh_host_ed25519_key'))).toBe(true);
    const [key] = readdirSync(join(data, 'runtime'));
    expect(existsSync(join(data, 'runtime', key!, 'better-sqlite3/build/Release/better_sqlite3.node'))).toBe(true);
  });

  // sharp and libvips load from the unpacked folder (rpath $ORIGIN/../../sharp-libvips-…).
  it.skipIf(!('photos' in COMMANDS))('reads a photo with sharp: `photos add` then `photos history`', async () => {
    writeFileSync(join(folder, 'appliance.toml'), '[sftp]\nlisten = "127.0.0.1:0"\n[web]\nlisten = "127.0.0.1:0"\n');
    await sharp({ create: { width: 400, height: 500, channels: 3, background: '#8899aa' } }).jpeg().toFile(join(folder, 'S1.jpg'));
    const add = await runExe(['photos', 'add', 'S1.jpg', '--config', 'appliance.toml']);
    expect(add.stderr).not.toMatch(/sharp/i);
    expect(add.code).toBe(0);
    const history = await runExe(['photos', 'history', 'S1', '--config', 'appliance.toml']);
    expect(history.code).toBe(0);
    expect(history.stdout).toContain('400×500');
    const [key] = readdirSync(join(folder, 'data', 'runtime'));
    expect(readdirSync(join(folder, 'data', 'runtime', key!, '@img/sharp-libvips-linux-x64/lib')).some((f) => f.startsWith('libvips-cpp.so'))).toBe(true);
    const backup = await runExe(['backup', 'backup-1', '--config', 'appliance.toml']);
    expect(backup.stderr).toBe('');
    expect(backup.stdout).toContain('1 current photos');
    // The unpacked libraries are the executable's to unpack again, not data to keep.
    expect(readdirSync(join(folder, 'backup-1'))).toContain('idphotos.db');
    expect(readdirSync(join(folder, 'backup-1'))).not.toContain('runtime');
  });

  it('a cache_dir it cannot write is one line and a non-zero exit', async () => {
    const locked = join(folder, 'locked');
    mkdirSync(locked, { mode: 0o555 });
    chmodSync(locked, 0o555);
    chmodSync(folder, 0o755);
    writeFileSync(join(folder, 'locked.toml'), `data_dir = "${join(work, 'data-locked')}"\n[executable]\ncache_dir = "locked/cache"\n[sftp]\nlisten = "127.0.0.1:0"\n[web]\nlisten = "127.0.0.1:0"\n`);
    // root writes anywhere; run as an unprivileged user, as the service does.
    const r = await runExe(['serve', '--config', 'locked.toml'], undefined, isRoot ? { uid: 65534, gid: 65534 } : {});
    expect(r.code).toBe(1);
    expect(isOneLine(r.stderr)).toBe(true);
    expect(r.stderr).toContain(`executable.cache_dir ${join(locked, 'cache')} is not writable: permission denied`);
  });

  it.skipIf(!canMountNoexec)('a cache_dir mounted noexec is one line and a non-zero exit', async () => {
    const mountPoint = join(work, 'noexec');
    mkdirSync(mountPoint);
    writeFileSync(join(folder, 'noexec.toml'), `data_dir = "${join(work, 'data-noexec')}"\n[executable]\ncache_dir = "${mountPoint}"\n[sftp]\nlisten = "127.0.0.1:0"\n[web]\nlisten = "127.0.0.1:0"\n`);
    // A private mount namespace: the tmpfs disappears with the process, whatever happens.
    const script = 'mount -t tmpfs -o noexec,size=64m tmpfs "$1" && exec env -i "$2" serve --config "$3"';
    const r = await run(['-m', 'sh', '-c', script, 'sh', mountPoint, exe, 'noexec.toml'], { command: 'unshare', cwd: folder });
    expect(r.code).toBe(1);
    expect(isOneLine(r.stderr)).toBe(true);
    expect(r.stderr).toContain(`executable.cache_dir ${mountPoint} is on a file system mounted noexec`);
  });
});

type Login = ssh2.ConnectConfig;

function connect(login: Login): Promise<ssh2.Client> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.on('ready', () => resolve(client)).on('error', reject).connect(login);
  });
}

async function execThenHangUp(login: Login): Promise<string> {
  const client = await connect(login);
  const outcome = await new Promise<string>((resolve) => {
    client.exec('md5sum /incoming/x', (err, stream) => {
      if (err) return resolve('exec refused');
      stream.on('close', (code: number | null) => resolve(code === 0 ? 'exec ran' : 'exec refused')).resume();
    });
  });
  client.end();
  return outcome;
}

async function listRoot(login: Login): Promise<string[]> {
  const client = await connect(login);
  try {
    return await new Promise((resolve, reject) => {
      client.sftp((err, sftp) => {
        if (err) return reject(err);
        sftp.readdir('/', (e, list) => (e ? reject(e) : resolve(list.map((f) => f.filename))));
      });
    });
  } finally {
    client.end();
  }
}
