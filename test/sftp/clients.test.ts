import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { logs, PASSWORD, photo, run, startHarness, tempDir, USER, type Harness } from './harness.ts';
import { requirePython } from '../programs.ts';

let h: Harness;
let local: string;

beforeAll(async () => {
  h = await startHarness();
  local = tempDir();
});
afterAll(async () => {
  await h?.stop();
});

const committed = () => logs.filter((l) => l.msg === 'upload committed').length;
const photos = () => h.app.ctx.folders.idphotos;

async function photoDir(name: string, count: number, seed: number): Promise<string> {
  const dir = join(local, name);
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) writeFileSync(join(dir, `${name.toUpperCase()}${i}.jpg`), await photo(seed + i));
  return dir;
}

describe('real SFTP clients', () => {
  it('psftp (PuTTY) uploads with a password, checking the host key fingerprint', async () => {
    writeFileSync(join(local, 'P1.jpg'), await photo(21));
    writeFileSync(join(local, 'script.psftp'), 'cd /incoming/idphotos\nput P1.jpg\nls\nquit\n');
    const r = await run('psftp', ['-batch', '-P', String(h.port), '-l', USER, '-pw', PASSWORD, '-hostkey', h.app.ctx.hostKeys[0]!.fingerprint, '-b', 'script.psftp', '127.0.0.1'], { cwd: local });
    expect(r.stderr).not.toMatch(/error|denied/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('P1.jpg');
    expect(readFileSync(photos().contentPath('P1.jpg')!).equals(readFileSync(join(local, 'P1.jpg')))).toBe(true);
  });

  it('lftp mirror -R twice: the second run uploads nothing', async () => {
    const dir = await photoDir('lf', 4, 30);
    const connect = `ssh -a -x -i ${h.keyFile} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o LogLevel=ERROR`;
    const mirror = () =>
      run('lftp', ['-c', `set sftp:connect-program "${connect}"; set net:max-retries 1; open -u ${USER}, -p ${h.port} sftp://127.0.0.1; mirror -R --verbose=1 ${dir} /incoming/idphotos`]);
    const before = committed();
    const first = await mirror();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(committed() - before).toBe(4);
    for (let i = 0; i < 4; i++) expect(photos().stat(`LF${i}.jpg`)).toBeDefined();
    const second = await mirror();
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain('Transferring');
    expect(committed() - before).toBe(4);
  });

  it('rclone copy, then sync twice: the second sync transfers nothing; its exec probes are refused harmlessly', async () => {
    const dir = await photoDir('rc', 3, 40);
    const env = {
      RCLONE_CONFIG: join(local, 'rclone.conf'),
      RCLONE_CONFIG_IDP_TYPE: 'sftp',
      RCLONE_CONFIG_IDP_HOST: '127.0.0.1',
      RCLONE_CONFIG_IDP_PORT: String(h.port),
      RCLONE_CONFIG_IDP_USER: USER,
      RCLONE_CONFIG_IDP_KEY_FILE: h.keyFile,
    };
    const before = committed();
    const copy = await run('rclone', ['copy', dir, 'idp:/incoming/idphotos'], { env });
    expect(copy.stderr).not.toMatch(/ERROR/);
    expect(copy.code).toBe(0);
    expect(committed() - before).toBe(3);
    writeFileSync(join(dir, 'RC9.jpg'), await photo(49));
    const sync1 = await run('rclone', ['sync', '-v', dir, 'idp:/incoming/idphotos/rcsync-not-allowed'], { env });
    expect(sync1.code).not.toBe(0); // a subfolder cannot be created, and rclone says so
    const sync = () => run('rclone', ['sync', '-v', '--stats-one-line', dir, 'idp:/incoming/idphotos'], { env });
    const s1 = await sync();
    expect(s1.code).toBe(0);
    expect(committed() - before).toBe(4);
    const s2 = await sync();
    expect(s2.code).toBe(0);
    expect(s2.stderr).not.toMatch(/Copied/);
    expect(committed() - before).toBe(4);
    // sync deletes remote files that are not local: rclone removed the other clients' photos
    expect(photos().stat('P1.jpg')).toBeUndefined();
    expect(photos().stat('RC9.jpg')).toBeDefined();
  });

  it('paramiko: put, listdir_attr, stat, plain rename onto an existing name fails with a reason, posix_rename replaces', async () => {
    const a = await photo(51);
    const b = await photo(52);
    writeFileSync(join(local, 'PM1.jpg'), a);
    writeFileSync(join(local, 'PM2.jpg'), b);
    const script = `
import paramiko, sys
t = paramiko.Transport(('127.0.0.1', ${h.port}))
t.connect(username='${USER}', password=sys.argv[1])
s = paramiko.SFTPClient.from_transport(t)
s.chdir('/incoming/idphotos')
s.put('PM1.jpg', 'PM1.jpg')
s.put('PM2.jpg', 'PM2.jpg')
names = {a.filename: a.st_size for a in s.listdir_attr('.')}
print('listed', names['PM1.jpg'], names['PM2.jpg'])
try:
    s.rename('PM2.jpg', 'PM1.jpg')
    print('rename: ok')
except IOError as e:
    print('rename refused:', e)
s.posix_rename('PM2.jpg', 'PM1.jpg')
print('stat', s.stat('PM1.jpg').st_size)
try:
    s.put('PM1.jpg', 'readme.txt')
except IOError as e:
    print('txt refused:', e)
try:
    s.stat('/etc/passwd')
except IOError as e:
    print('outside:', e)
t.close()
`;
    const r = await run(requirePython('paramiko'), ['-c', script, PASSWORD], { cwd: local });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`listed ${a.length} ${b.length}`);
    expect(r.stdout).toContain('rename refused: /incoming/idphotos/PM1.jpg already exists: remove it first, or use posix-rename, which replaces it');
    expect(r.stdout).toContain(`stat ${b.length}`);
    expect(r.stdout).toMatch(/txt refused: "readme\.txt".*\.jpg.*\.gif/);
    expect(r.stdout).toMatch(/outside: .*\/etc\/passwd does not exist: uploads go to \/incoming\/idphotos\//);
    expect(photos().stat('PM2.jpg')).toBeUndefined();
    expect(readFileSync(photos().contentPath('PM1.jpg')!).equals(b)).toBe(true);
  });
});

describe('keyboard-interactive', () => {
  it('asks for the password once (paramiko auth_interactive)', async () => {
    const script = `
import paramiko, sys
t = paramiko.Transport(('127.0.0.1', ${h.port}))
t.start_client()
prompts = []
def handler(title, instructions, fields):
    prompts.extend(p for p, echo in fields)
    return [sys.argv[1]] * len(fields)
left = t.auth_interactive('${USER}', handler)
print('authenticated', t.is_authenticated(), left, prompts)
s = paramiko.SFTPClient.from_transport(t)
print('listed', sorted(s.listdir('/incoming')))
t.close()
`;
    const r = await run(requirePython('paramiko'), ['-c', script, PASSWORD]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain("authenticated True [] ['Password: ']");
    expect(r.stdout).toContain("listed ['data', 'idphotos']");
  });
});

describe('curl (libssh2 1.10: no ETM MAC, no AEAD cipher)', () => {
  it('works with the default algorithms and is refused with legacy_macs = false', async () => {
    writeFileSync(join(local, 'C1.jpg'), await photo(61));
    const url = (port: number) => `sftp://127.0.0.1:${port}/incoming/idphotos/`;
    const r = await run('curl', ['-sS', '-k', '--user', `${USER}:${PASSWORD}`, '-T', 'C1.jpg', url(h.port)], { cwd: local });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const stored = h.app.ctx.folders.idphotos.contentPath('C1.jpg');
    expect(stored && readFileSync(stored).equals(readFileSync(join(local, 'C1.jpg')))).toBe(true);
    const strict = await startHarness('', 'legacy_macs = false');
    try {
      const refused = await run('curl', ['-sS', '-k', '--user', `${USER}:${PASSWORD}`, '-T', 'C1.jpg', url(strict.port)], { cwd: local });
      expect(refused.code).not.toBe(0);
      expect(strict.app.ctx.folders.idphotos.stat('C1.jpg')).toBeUndefined();
    } finally {
      await strict.stop();
    }
  });
});
