import ssh2 from 'ssh2';
import { SFTP_USER } from './appliance.ts';
import { runProgram, type RunResult } from './run-program.ts';

/** An SFTP failure as the client saw it: the status code and the server's message. */
export class SftpRefusal extends Error {
  constructor(
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

export interface SftpConnection {
  sftp: ssh2.SFTPWrapper;
  /** open(w) → write → close; resolves when the server acknowledged CLOSE (the commit). */
  upload(remotePath: string, bytes: Uint8Array): Promise<void>;
  /** Reads a whole file. */
  download(remotePath: string): Promise<Buffer>;
  list(remoteDir: string): Promise<ssh2.FileEntryWithStats[]>;
  remove(remotePath: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  mkdir(remotePath: string): Promise<void>;
  stat(remotePath: string): Promise<ssh2.Stats>;
  end(): void;
  /** Resolves when the connection closed, for whatever reason. */
  closed: Promise<void>;
}

const toRefusal = (err: unknown): SftpRefusal => {
  const e = err as { code?: number; message?: string };
  return new SftpRefusal(typeof e.code === 'number' ? e.code : undefined, e.message ?? String(err));
};

/**
 * One SFTP request as a promise. NB: ssh2 does not always call back requests in flight when the
 * server dies, so each request also fails when the connection closes.
 */
function requester(closed: Promise<void>) {
  const gone = closed.then(() => {
    throw new SftpRefusal(undefined, 'the connection closed');
  });
  gone.catch(() => undefined);
  return <T>(fn: (cb: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> =>
    Promise.race([new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(toRefusal(err)) : resolve(value as T)))), gone]);
}

/** ssh2's client with key authentication (no argon2 cost per connection). */
export function connectSftp(port: number, privateKey: Buffer, opts: { username?: string; readyTimeout?: number } = {}): Promise<SftpConnection> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let settled = false;
    const closed = new Promise<void>((res) => client.on('close', () => res()));
    client.on('error', (err) => {
      if (!settled) {
        settled = true;
        reject(err);
      }
    });
    client.on('close', () => {
      if (!settled) {
        settled = true;
        reject(new Error('connection closed before SFTP started'));
      }
    });
    client.on('ready', () => {
      client.sftp((err, sftp) => {
        if (err) {
          settled = true;
          client.end();
          return reject(err);
        }
        settled = true;
        const promised = requester(closed);
        resolve({
          sftp,
          closed,
          async upload(remotePath, bytes) {
            const handle = await promised<Buffer>((cb) => sftp.open(remotePath, 'w', cb));
            let offset = 0;
            try {
              const CHUNK = 32 * 1024;
              const writes: Promise<void>[] = [];
              while (offset < bytes.length) {
                const len = Math.min(CHUNK, bytes.length - offset);
                const at = offset;
                writes.push(promised<void>((cb) => sftp.write(handle, Buffer.from(bytes.buffer, bytes.byteOffset + at, len), 0, len, at, cb)));
                offset += len;
                // A small window of writes in flight, like real clients pipeline them.
                if (writes.length >= 8) await Promise.all(writes.splice(0));
              }
              await Promise.all(writes);
            } catch (e) {
              await promised<void>((cb) => sftp.close(handle, cb)).catch(() => undefined);
              throw e;
            }
            await promised<void>((cb) => sftp.close(handle, cb));
          },
          download: (remotePath) => promised<Buffer>((cb) => sftp.readFile(remotePath, cb as never)),
          list: (dir) => promised<ssh2.FileEntryWithStats[]>((cb) => sftp.readdir(dir, cb)),
          remove: (p) => promised<void>((cb) => sftp.unlink(p, cb)),
          rename: (a, b) => promised<void>((cb) => sftp.rename(a, b, cb)),
          mkdir: (p) => promised<void>((cb) => sftp.mkdir(p, cb)),
          stat: (p) => promised<ssh2.Stats>((cb) => sftp.stat(p, cb)),
          end: () => client.end(),
        });
      });
    });
    client.connect({ host: '127.0.0.1', port, username: opts.username ?? SFTP_USER, privateKey, readyTimeout: opts.readyTimeout ?? 20_000 });
  });
}

/**
 * OpenSSH sftp's options for the appliance on 127.0.0.1:`port`: the key in `keyFile` only, no
 * password prompt, no known_hosts (each test's host key is new).
 */
export function opensshOptions(port: number, keyFile: string): string[] {
  return [
    '-P', String(port),
    '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'LogLevel=ERROR',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'PasswordAuthentication=no',
    '-i', keyFile,
  ];
}

/** OpenSSH `sftp -b -`: commands on stdin; a failing command makes the exit code non-zero. */
export function opensshBatch(port: number, keyFile: string, commands: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  const args = [
    ...opensshOptions(port, keyFile),
    '-o', 'ConnectTimeout=10',
    '-b', '-',
    `${SFTP_USER}@127.0.0.1`,
  ];
  return runProgram('sftp', args, { cwd: opts.cwd, input: commands.join('\n') + '\n', timeoutMs: opts.timeoutMs });
}
