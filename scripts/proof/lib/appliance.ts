import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { applianceToml } from './appliance-toml.ts';

export const ROOT = resolve(import.meta.dirname, '../../..');
const BIN = join(ROOT, 'bin/idphotos.js');

export const SFTP_USER = 'district';
export const WEB_ADMIN = 'admin';
export const WEB_STAFF = 'desk';
/** One password for every account of a proof appliance (it only ever listens on 127.0.0.1). */
export const PASSWORD = 'proof-under-fire-1';

export interface ApplianceDir {
  /** Folder holding appliance.toml and the client key. */
  dir: string;
  config: string;
  dataDir: string;
  /** OpenSSH private key authorized for SFTP_USER. */
  keyFile: string;
  privateKey: Buffer;
}

/**
 * A fresh appliance folder: SFTP account `district` (password and key), web accounts `admin`
 * and `desk` (staff), both listeners on 127.0.0.1:0. `dataDir` may point elsewhere (a tmpfs).
 */
export async function makeApplianceDir(opts: { extraToml?: string; sftpToml?: string; dataDir?: string; prefix?: string } = {}): Promise<ApplianceDir> {
  const dir = mkdtempSync(join(tmpdir(), opts.prefix ?? 'idphotos-proof-'));
  const keyFile = join(dir, 'client_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'proof@client', '-f', keyFile]);
  const pub = readFileSync(`${keyFile}.pub`, 'utf8').trim();
  const dataDir = opts.dataDir ?? join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const config = join(dir, 'appliance.toml');
  const toml = await applianceToml({
    dataDir,
    logLevel: 'info',
    sftpToml: opts.sftpToml,
    sftpAccounts: [{ username: SFTP_USER, password: PASSWORD, authorizedKeys: [pub] }],
    webAccounts: [
      { username: WEB_ADMIN, password: PASSWORD, role: 'admin' },
      { username: WEB_STAFF, password: PASSWORD, role: 'staff' },
    ],
    extraToml: `[sftp.defender]\nallow_list = ["127.0.0.1"]\n${opts.extraToml ?? ''}`,
  });
  writeFileSync(config, toml);
  return { dir, config, dataDir, keyFile, privateKey: readFileSync(keyFile) };
}

export interface Running {
  child: ChildProcess;
  pid: number;
  sftpPort: number;
  webPort: number;
  /** Wall-clock time (ms) just before the process was spawned. */
  spawnedAt: number;
  /** Everything the process wrote on stdout (JSON log lines) so far. */
  output(): string;
  /** Everything it wrote on stderr (start-up failures, crashes). */
  errors(): string;
  /** Resolves with the exit code or signal once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL, then waits for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM (a clean stop), then waits for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `idphotos serve` as a child process, from source, `command` (the built executable) or under
 * `deno` (a Deno binary: `deno run -A src/cli.ts serve`).
 * Resolves once both listeners logged their port; rejects with the output if it ends first.
 */
export function startAppliance(app: ApplianceDir, opts: { command?: string; deno?: string; timeoutMs?: number; onSpawn?: (child: ChildProcess) => void } = {}): Promise<Running> {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('IDPHOTOS_')) delete env[key];
  const serve = ['serve', '--config', app.config];
  const [file, argv] = opts.command
    ? [opts.command, serve]
    : opts.deno
      ? [opts.deno, ['run', '-A', join(ROOT, 'src/cli.ts'), ...serve]]
      : [process.execPath, [BIN, ...serve]];
  const spawnedAt = Date.now();
  const child = spawn(file, argv, { cwd: app.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  opts.onSpawn?.(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not listen within ${opts.timeoutMs ?? 30_000} ms:\n${err}\n${out.slice(-4000)}`));
    }, opts.timeoutMs ?? 30_000);
    const check = () => {
      const web = /web listening on [^\s"]+:(\d+)/.exec(out);
      const sftp = /sftp listening on [^\s"]+:(\d+)/.exec(out);
      if (!web || !sftp) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      resolvePromise({
        child,
        pid: child.pid!,
        sftpPort: Number(sftp[1]),
        webPort: Number(web[1]),
        spawnedAt,
        output: () => out,
        errors: () => err,
        exited,
        async kill9() {
          child.kill('SIGKILL');
          await exited;
        },
        async stop() {
          child.kill('SIGTERM');
          return exited;
        },
      });
    };
    child.stdout!.on('data', check);
    void exited.then((r) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${r.code ?? r.signal}) before listening:\n${err}\n${out.slice(-4000)}`));
    });
  });
}

/** The JSON log lines of a run, parsed (non-JSON lines are skipped). */
export function logLines(output: string): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line));
    } catch {
      // a line cut by SIGKILL
    }
  }
  return lines;
}
