import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Child {
  process: ChildProcess;
  output(): string;
  /** Resolves with the first stdout/stderr line that matches. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

/** Runs `node args…` from the repository root, collecting its output. */
export function runNode(args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const waiters: { pattern: RegExp; resolve(m: RegExpMatchArray): void; reject(e: Error): void }[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const check = () => {
    for (const w of [...waiters]) {
      const m = text.match(w.pattern);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout!.on('data', (b) => ((text += b), check()));
  child.stderr!.on('data', (b) => ((text += b), check()));
  void exited.then(() => {
    for (const w of waiters.splice(0)) w.reject(new Error(`process exited before ${w.pattern}: ${text}`));
  });
  return {
    process: child,
    output: () => text,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const m = text.match(pattern);
        if (m) resolve(m);
        else waiters.push({ pattern, resolve, reject });
      }),
    exited,
  };
}

/** `idphotos serve` from source, with the port of the web listener once it listens. */
export async function serve(configPath: string): Promise<{ child: Child; webPort: number; sftpPort: number }> {
  const child = runNode([join(ROOT, 'bin/idphotos.js'), 'serve', '--config', configPath]);
  const web = await child.waitFor(/web listening on [^\s"]+:(\d+)/);
  const sftp = await child.waitFor(/sftp listening on [^\s"]+:(\d+)/);
  return { child, webPort: Number(web[1]), sftpPort: Number(sftp[1]) };
}

export async function stop(child: Child): Promise<void> {
  child.process.kill('SIGTERM');
  await child.exited;
}
