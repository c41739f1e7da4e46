/**
 * Shared parts of the photo benchmarks: realistic ID photos made once with sharp, a private
 * OpenSSH sshd (internal-sftp, key auth) as the reference, and the real appliance run as a
 * child process (`idphotos serve`) with a key-authorised SFTP account and a web admin.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import ssh2 from 'ssh2';
import { hashPassword } from '../src/shared/passwords.ts';
import { openDatabase } from '../src/storage/db.ts';
import { requireProgram } from '../test/programs.ts';

export const ROOT = join(import.meta.dirname, '..');
export const PASSWORD = 'bench-password-1';

export const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/**
 * `count` distinct portrait JPEGs of about 150 KB (600×800, textured like a photo), cached in a
 * temp folder between runs. Named `B000001.jpg`…
 */
export async function photoSet(count: number, tag = 'a'): Promise<{ dir: string; names: string[] }> {
  const dir = join(tmpdir(), `idphotos-bench-photos-${tag}-${count}`);
  const names = Array.from({ length: count }, (_, i) => `B${String(i + 1).padStart(6, '0')}.jpg`);
  if (existsSync(dir) && readdirSync(dir).length === count) return { dir, names };
  mkdirSync(dir, { recursive: true });
  const width = 600;
  const height = 800;
  const base = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const face = (x - 300) ** 2 / 180 ** 2 + (y - 330) ** 2 / 230 ** 2 < 1;
      base[i] = face ? 205 : 90 + ((x * 3) % 40);
      base[i + 1] = face ? 160 : 110 + ((y * 5) % 30);
      base[i + 2] = face ? 140 : 150;
    }
  }
  for (const [n, name] of names.entries()) {
    const img = Buffer.from(base);
    // Per-photo grain, so every file differs and compresses like a camera image.
    let seed = (n + 1) * 2654435761 + tag.charCodeAt(0);
    for (let i = 0; i < img.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      img[i] = Math.max(0, Math.min(255, img[i]! + ((seed >>> 24) % 48) - 24));
    }
    writeFileSync(join(dir, name), await sharp(img, { raw: { width, height, channels: 3 } }).jpeg({ quality: 88 }).toBuffer());
  }
  return { dir, names };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface Endpoint {
  name: string;
  port: number;
  /** Remote folder uploads go to. */
  target: string;
  keyFile: string;
  stop(): Promise<void>;
}

function clientKey(dir: string): { keyFile: string; pub: string } {
  const keyFile = join(dir, 'client_key');
  if (!existsSync(keyFile)) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
  return { keyFile, pub: readFileSync(`${keyFile}.pub`, 'utf8').trim() };
}

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (b: Buffer) => {
      text += b;
      const m = text.match(pattern);
      if (!m) return;
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      resolve(m);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`exited (${code}) before ${pattern}: ${text}`)));
  });
}

/** Keeps reading a child's output so that its log writes never block on a full pipe. */
function drain(child: ChildProcess): void {
  child.stdout?.on('data', () => {});
  child.stderr?.on('data', () => {});
}

const stopChild = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });

/** OpenSSH's own server with internal-sftp and key auth, on 127.0.0.1 (the reference). */
export async function startSshd(dir: string): Promise<Endpoint> {
  mkdirSync(dir, { recursive: true });
  const { keyFile, pub } = clientKey(dir);
  const hostKey = join(dir, 'host_key');
  if (!existsSync(hostKey)) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  writeFileSync(join(dir, 'authorized_keys'), `${pub}\n`);
  const target = join(dir, 'incoming');
  mkdirSync(target, { recursive: true });
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `ListenAddress 127.0.0.1`,
      `Port ${port}`,
      `HostKey ${hostKey}`,
      `PidFile none`,
      `UsePAM no`,
      `StrictModes no`,
      `PasswordAuthentication no`,
      `KbdInteractiveAuthentication no`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      `Subsystem sftp internal-sftp`,
      `LogLevel ERROR`,
    ].join('\n') + '\n',
  );
  // NB: sshd started as root insists on its privilege-separation folder (the service unit makes it).
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const child = spawn(requireProgram('sshd'), ['-D', '-e', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  drain(child);
  // sshd prints nothing when it is ready: wait until it accepts an SSH handshake.
  for (let i = 0; ; i++) {
    try {
      execFileSync('ssh-keyscan', ['-p', String(port), '127.0.0.1'], { stdio: 'ignore', timeout: 2000 });
      break;
    } catch {
      if (i > 50 || child.exitCode !== null) throw new Error('sshd did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { name: 'OpenSSH sshd (internal-sftp)', port, target, keyFile, stop: () => stopChild(child) };
}

export interface Appliance extends Endpoint {
  webPort: number;
  /** The `ms` of every 'photo accepted' log line so far: commit call → current, inside the appliance. */
  ingestMs: number[];
  dataDir: string;
  child: ChildProcess;
  /** Adds users S…, B… straight into the users table (a roster import would do the same). */
  addUsers(ids: string[]): void;
  /** Signs in as the web admin; returns the cookie header. */
  signIn(): Promise<string>;
}

/** `idphotos serve` in its own process: under Node (with `nodeArgs`), or under `deno` (a Deno binary) from source; `root` is the checkout to run (another one: an earlier version, side by side). */
export async function startAppliance(dir: string, extraToml = '', nodeArgs: string[] = [], deno?: string, root = ROOT): Promise<Appliance> {
  mkdirSync(dir, { recursive: true });
  const { keyFile, pub } = clientKey(dir);
  const hash = await hashPassword(PASSWORD);
  const configPath = join(dir, 'appliance.toml');
  writeFileSync(
    configPath,
    `data_dir = "data"\n[log]\nlevel = "info"\n${extraToml}\n[sftp]\nlisten = "127.0.0.1:0"\n[[sftp.accounts]]\nusername = "district"\n` +
      `authorized_keys = [${JSON.stringify(pub)}]\n[web]\nlisten = "127.0.0.1:0"\n[[web.accounts]]\nusername = "admin"\npassword_hash = "${hash}"\nrole = "admin"\n`,
  );
  const serve = ['serve', '--config', configPath];
  const [file, argv] = deno ? [deno, ['run', '-A', join(root, 'src/cli.ts'), ...serve]] : [process.execPath, [...nodeArgs, join(root, 'bin/idphotos.js'), ...serve]];
  const child = spawn(file, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  drain(child);
  const ingestMs: number[] = [];
  let partial = '';
  child.stdout!.on('data', (b: Buffer) => {
    const lines = (partial + b).split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (line.includes('"photo accepted"')) ingestMs.push(JSON.parse(line).ms);
  });
  // Logs at info, as an appliance does by default (one line per photo): drain them.
  const web = waitForLine(child, /web listening on [^\s"]+:(\d+)/);
  const sftp = waitForLine(child, /sftp listening on [^\s"]+:(\d+)/);
  const webPort = Number((await web)[1]);
  const sftpPort = Number((await sftp)[1]);
  const dataDir = join(dir, 'data');
  return {
    name: 'idphotos',
    port: sftpPort,
    webPort,
    target: '/incoming/idphotos',
    keyFile,
    dataDir,
    ingestMs,
    child,
    addUsers(ids) {
      const db = openDatabase(join(dataDir, 'idphotos.db'));
      const at = new Date().toISOString();
      db.tx(() => {
        for (const id of ids) {
          db.run("INSERT OR IGNORE INTO users (local_id, first_name, last_name, role, created_at, updated_at) VALUES (?, 'Bench', 'User', 'student', ?, ?)", id, at, at);
        }
      });
      db.close();
    },
    async signIn() {
      const res = await fetch(`http://127.0.0.1:${webPort}/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: 'admin', password: PASSWORD }).toString(),
      });
      return res.headers.get('set-cookie')!.split(';')[0]!;
    },
    stop: () => stopChild(child),
  };
}

export interface Sftp {
  client: ssh2.Client;
  sftp: ssh2.SFTPWrapper;
  end(): void;
}

export function connect(e: Endpoint, username: string): Promise<Sftp> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.on('error', reject);
    client.on('ready', () => client.sftp((err, sftp) => (err ? reject(err) : resolve({ client, sftp, end: () => client.end() }))));
    client.connect({ host: '127.0.0.1', port: e.port, username, privateKey: readFileSync(e.keyFile), readyTimeout: 20_000 });
  });
}

/**
 * Uploads `bytes` as one file; resolves with the times of sending CLOSE and of its reply. With
 * `fsync`, fsync@openssh.com goes first (as OpenSSH's `put -f`) and `closeSentAt` is when it was sent.
 */
export async function uploadTimed(s: Sftp, path: string, bytes: Buffer, fsync = false): Promise<{ closeSentAt: number; closedAt: number }> {
  const call = <T>(fn: (cb: (err: Error | undefined | null, v: T) => void) => void) =>
    new Promise<T>((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));
  const handle = await call<Buffer>((cb) => s.sftp.open(path, 'w', cb as never));
  const chunk = 32 * 1024;
  const writes: Promise<unknown>[] = [];
  for (let off = 0; off < bytes.length; off += chunk) {
    const len = Math.min(chunk, bytes.length - off);
    writes.push(call((cb) => s.sftp.write(handle, bytes, off, len, off, cb as never)));
  }
  await Promise.all(writes);
  const closeSentAt = performance.now();
  if (fsync) await call((cb) => s.sftp.ext_openssh_fsync(handle, cb as never));
  await call((cb) => s.sftp.close(handle, cb as never));
  return { closeSentAt, closedAt: performance.now() };
}

export function sftpBatch(e: Endpoint, username: string, commands: string[], cwd: string): { code: number | null; stderr: string } {
  const opts = ['-P', String(e.port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'IdentitiesOnly=yes', '-i', e.keyFile];
  try {
    execFileSync('sftp', [...opts, '-b', '-', `${username}@127.0.0.1`], { input: commands.join('\n') + '\n', cwd, stdio: ['pipe', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stderr: '' };
  } catch (err) {
    const e2 = err as { status: number | null; stderr: Buffer };
    return { code: e2.status, stderr: String(e2.stderr) };
  }
}
