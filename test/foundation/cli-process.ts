import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/idphotos.js');

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment of a child CLI, without settings from the developer's shell. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('IDPHOTOS_')) delete env[key];
  return env;
}

/** Runs `idphotos ARGS` (or another program) to completion. */
export function run(args: string[], options: SpawnOptions & { input?: string; command?: string } = {}): Promise<Result> {
  const { input, command, ...spawnOptions } = options;
  const [file, argv] = command ? [command, args] : [process.execPath, [BIN, ...args]];
  const child = spawn(file, argv, { env: cleanEnv(), ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin!.end(input ?? '');
  return collect(child);
}

function collect(child: ChildProcess): Promise<Result> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

export interface Served {
  child: ChildProcess;
  webPort: number;
  sftpPort: number;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  exited: Promise<Result>;
}

/**
 * Starts `serve` and resolves once both listeners have logged their real port; rejects with
 * the output if the process ends first.
 */
export function serve(args: string[], options: SpawnOptions & { command?: string } = {}): Promise<Served> {
  const { command, ...spawnOptions } = options;
  const [file, argv] = command ? [command, args] : [process.execPath, [BIN, ...args]];
  const child = spawn(file, argv, { env: cleanEnv(), ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = collect(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolvePromise, reject) => {
    const check = () => {
      const web = /web listening on [^\s"]+:(\d+)/.exec(out);
      const sftp = /sftp listening on [^\s"]+:(\d+)/.exec(out);
      if (web && sftp) {
        child.stdout!.off('data', check);
        resolvePromise({ child, webPort: Number(web[1]), sftpPort: Number(sftp[1]), stdout: () => out, stderr: () => err, exited });
      }
    };
    child.stdout!.on('data', check);
    void exited.then((r) => reject(new Error(`serve exited (${r.code ?? r.signal}) before listening:\n${r.stderr}\n${r.stdout}`)));
  });
}

const made: string[] = [];

/** A fresh folder with an appliance.toml listening on random local ports. */
export function tempAppliance(extra = ''): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'idphotos-foundation-'));
  made.push(dir);
  const config = join(dir, 'appliance.toml');
  writeFileSync(
    config,
    `data_dir = "data"\n\n[log]\nlevel = "info"\n\n[sftp]\nlisten = "127.0.0.1:0"\n\n[web]\nlisten = "127.0.0.1:0"\n${extra}`,
  );
  return { dir, config };
}

/** True when stderr is exactly one line and carries no stack trace. */
export function isOneLine(text: string): boolean {
  const lines = text.trim().split('\n');
  return lines.length === 1 && !/^\s+at /m.test(text);
}

/** Removes every folder tempAppliance made (call from afterAll). */
export function removeTempAppliances(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
