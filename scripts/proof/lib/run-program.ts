import { spawn } from 'node:child_process';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a client program to completion (no shell) and collects its output; never rejects. A program
 * that cannot start (not installed) resolves at once with code null and the reason in stderr.
 */
export function runProgram(cmd: string, args: string[], opts: { input?: string; cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    let failed = '';
    child.on('error', (err) => (failed = `cannot run ${cmd}: ${err.message}\n`));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(failed ? { code: null, stdout, stderr: stderr + failed } : { code, stdout, stderr });
    });
    // A client that exits before reading its input (killed, or its peer died) makes the write
    // fail with EPIPE; the exit code already tells the caller.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}
