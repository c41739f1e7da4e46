import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import ssh2 from 'ssh2';
import { runProgram as run, type RunResult } from '../../scripts/proof/lib/run-program.ts';
import type { App } from '../../src/app.ts';
import { configureLogging } from '../../src/shared/logger.ts';
import { startRig } from '../rig.ts';

/** Every log line the app wrote in this test file, parsed (tests assert refusals are logged). */
export const logs: Array<Record<string, unknown>> = [];
configureLogging((process.env.IDPHOTOS_TEST_LOG as 'info') ?? 'info', {
  write(line: string) {
    logs.push(JSON.parse(line));
    if (process.env.IDPHOTOS_TEST_LOG) process.stderr.write(line);
  },
});

export const USER = 'district';
export const PASSWORD = 'correct horse battery staple';

export interface Harness {
  app: App;
  port: number;
  dir: string;
  /** OpenSSH private key file whose public half is authorized for USER. */
  keyFile: string;
  /** `-o` options for OpenSSH clients: key auth, no host key prompts, this port. */
  sshOpts: string[];
  stop(): Promise<void>;
}

/** The real app on 127.0.0.1:0 with one account (password and key) in a fresh temp data_dir (test/rig.ts). */
export async function startHarness(extraToml = '', sftpToml = ''): Promise<Harness> {
  const rig = await startRig({
    prefix: 'idphotos-sftp-',
    dataDir: 'data',
    sftpToml,
    sftpAccounts: [{ username: USER, password: PASSWORD }],
    webAccounts: [{ username: 'admin', password: PASSWORD, role: 'admin' }],
    extraToml,
    clientKey: true,
    listen: true,
    writeConfig: true,
    stopGraceMs: 2000,
  });
  return { app: rig.app, port: rig.sftpPort!, dir: rig.dir, keyFile: rig.keyFile!, sshOpts: rig.sshOpts, stop: () => rig.close() };
}

// Tests run their client programs through the same helper as the proof scripts.
export { run, type RunResult };

/** OpenSSH `sftp -b -` with key auth; commands on stdin, one per line. */
export function sftpBatch(h: Harness, commands: string[], cwd?: string): Promise<RunResult> {
  return run('sftp', [...h.sshOpts, '-b', '-', `${USER}@127.0.0.1`], { input: commands.join('\n') + '\n', cwd });
}

/** A real image (the photo store refuses anything else), distinct per `seed`. */
export async function photo(seed: number, size = 64, format: 'jpeg' | 'png' | 'gif' = 'jpeg'): Promise<Buffer> {
  const c = (seed * 37) % 256;
  const img = sharp({ create: { width: size, height: size, channels: 3, background: { r: c, g: 255 - c, b: (c * 7) % 256 } } });
  return format === 'jpeg' ? img.jpeg().toBuffer() : format === 'png' ? img.png().toBuffer() : img.gif().toBuffer();
}

/** A noisy JPEG of roughly `kb` kilobytes (noise does not compress), for large uploads. */
export async function bigPhoto(seed: number, kb: number): Promise<Buffer> {
  // Noisy JPEG at q90 with 4:2:0 chroma is about 0.4 bytes per raw byte; grow until big enough.
  let side = Math.ceil(Math.sqrt((kb * 1024) / 3 / 0.4));
  for (;;) {
    const raw = Buffer.alloc(side * side * 3);
    let x = (seed * 2654435761) >>> 0;
    for (let i = 0; i < raw.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      raw[i] = x >>> 24;
    }
    const jpeg = await sharp(raw, { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
    if (jpeg.length >= kb * 1024) return jpeg;
    side = Math.ceil(side * Math.sqrt((kb * 1024) / jpeg.length) * 1.02);
  }
}

export function tempDir(prefix = 'idphotos-client-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface Ssh2Sftp {
  client: ssh2.Client;
  sftp: ssh2.SFTPWrapper;
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T>;
  end(): void;
  /** Resolves when the connection has closed (either side). */
  closed: Promise<void>;
}

/** ssh2's own client (a real SFTP client), for replaying exact operation sequences. */
export function connectSsh2(h: Pick<Harness, 'port'>, opts: { localAddress?: string; password?: string; username?: string } = {}): Promise<Ssh2Sftp> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    const closed = new Promise<void>((r) => (client as unknown as NodeJS.EventEmitter).once('close', () => r()));
    client.on('error', reject);
    client.on('ready', () => {
      client.sftp((err, sftp) => {
        if (err) return reject(err);
        const call = <T>(method: string, ...args: unknown[]) =>
          new Promise<T>((res, rej) => {
            (sftp as unknown as Record<string, (...a: unknown[]) => void>)[method]!.call(sftp, ...args, (e: Error | undefined, v: T) => (e ? rej(e) : res(v)));
          });
        resolve({ client, sftp, call, end: () => client.end(), closed });
      });
    });
    client.connect({
      host: '127.0.0.1',
      port: h.port,
      localAddress: opts.localAddress,
      username: opts.username ?? USER,
      password: opts.password ?? PASSWORD,
      readyTimeout: 20_000,
    });
  });
}

/** Connects and authenticates only; resolves with the outcome instead of throwing. */
export function tryLogin(h: Pick<Harness, 'port'>, opts: { localAddress?: string; password?: string }): Promise<'ok' | string> {
  return new Promise((resolve) => {
    const client = new ssh2.Client();
    client.on('error', (err) => resolve(err.message));
    client.on('ready', () => {
      client.end();
      resolve('ok');
    });
    client.on('close', () => resolve('closed'));
    client.connect({ host: '127.0.0.1', port: h.port, localAddress: opts.localAddress, username: USER, password: opts.password ?? PASSWORD, readyTimeout: 20_000 });
  });
}
