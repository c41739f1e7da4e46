import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/**
 * Turns a test file that never finishes into a failure that says where it stuck.
 *
 * vitest bounds each test and hook, but not a worker whose event loop is blocked (a synchronous
 * call that never returns) nor one that never reports its file as finished: the run then waits
 * forever and CI ends on its own timeout with no clue. Every test file here runs in its own
 * forked worker, so a worker alive longer than STALL_SECONDS is running a stuck file. This
 * reporter prints that worker's state, the processes it started (with what each waits on) and,
 * when the worker can still answer, its JavaScript stack from a Node diagnostic report, then
 * kills the worker and its processes: vitest reports the file as failed and the run ends.
 */
export const STALL_SECONDS = Number(process.env.IDPHOTOS_TEST_STALL_SECONDS ?? 300);

/** Where workers write diagnostic reports (vitest.config.ts passes it in their execArgv). */
export const REPORT_DIR = join(tmpdir(), `idphotos-test-reports-${process.pid}`);

// NB: a short stall limit (the watchdog's own test) is checked as often as it needs.
const CHECK_EVERY_MS = Math.min(10_000, STALL_SECONDS * 500);

interface Proc {
  pid: number;
  ppid: number;
  state: string;
  cmdline: string;
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    return { pid, state: fields[0]!, ppid: Number(fields[1]), cmdline };
  } catch {
    return undefined; // it ended meanwhile
  }
}

function allProcs(): Proc[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readProc(Number(name)))
    .filter((p): p is Proc => p !== undefined);
}

function descendants(root: number, procs: Proc[]): Proc[] {
  const found: Proc[] = [];
  const queue = [root];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const p of procs) if (p.ppid === parent) (found.push(p), queue.push(p.pid));
  }
  return found;
}

function waitingOn(pid: number): string {
  try {
    const wchan = readFileSync(`/proc/${pid}/wchan`, 'utf8');
    return wchan && wchan !== '0' ? wchan : 'nothing (running)';
  } catch {
    return '?';
  }
}

function describeProc(p: Proc): string {
  return `pid ${p.pid} state ${p.state} waiting in ${waitingOn(p.pid)}: ${p.cmdline.slice(0, 200)}`;
}

/** The JavaScript stack and open handles from the report the worker wrote on SIGUSR2, if any. */
async function diagnosticReport(pid: number): Promise<string> {
  try {
    process.kill(pid, 'SIGUSR2');
  } catch {
    return '';
  }
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const file = existsSync(REPORT_DIR) && readdirSync(REPORT_DIR).find((f) => f.includes(`.${pid}.`));
    if (!file) continue;
    try {
      const report = JSON.parse(readFileSync(join(REPORT_DIR, file), 'utf8'));
      const stack: string[] = report.javascriptStack?.stack ?? [];
      const handles = (report.libuv ?? []).filter((h: { is_active?: boolean }) => h.is_active).map((h: { type: string }) => h.type);
      return `  JavaScript stack: ${report.javascriptStack?.message ?? ''}\n${stack.slice(0, 20).map((l) => `    ${l}`).join('\n')}\n  active handles: ${handles.join(', ')}`;
    } catch {
      continue; // still being written
    }
  }
  return '  (no diagnostic report: the worker is blocked outside JavaScript)';
}

export default class StallWatchdog implements Reporter {
  private readonly running = new Map<string, number>();
  private readonly firstSeen = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;

  onTestRunStart(): void {
    if (!existsSync('/proc/self/stat')) return; // not Linux: nothing to inspect
    mkdirSync(REPORT_DIR, { recursive: true });
    this.timer = setInterval(() => void this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  onTestModuleStart(module: TestModule): void {
    this.running.set(module.moduleId, Date.now());
  }

  onTestModuleEnd(module: TestModule): void {
    this.running.delete(module.moduleId);
  }

  onTestRunEnd(): void {
    clearInterval(this.timer);
    rmSync(REPORT_DIR, { recursive: true, force: true });
  }

  private checking = false;

  private async check(): Promise<void> {
    // NB: a check waits up to 5 s for a diagnostic report; the next tick must not report the same worker again.
    if (this.checking) return;
    this.checking = true;
    try {
      await this.checkWorkers();
    } finally {
      this.checking = false;
    }
  }

  private async checkWorkers(): Promise<void> {
    const now = Date.now();
    const procs = allProcs();
    const workers = procs.filter((p) => p.ppid === process.pid && p.cmdline.includes('forks.js'));
    for (const pid of this.firstSeen.keys()) if (!workers.some((w) => w.pid === pid)) this.firstSeen.delete(pid);
    for (const w of workers) if (!this.firstSeen.has(w.pid)) this.firstSeen.set(w.pid, now);
    const stuck = workers.filter((w) => now - this.firstSeen.get(w.pid)! > STALL_SECONDS * 1000);
    if (!stuck.length) return;
    const files = [...this.running].filter(([, at]) => now - at > STALL_SECONDS * 1000).map(([file]) => file);
    for (const worker of stuck) {
      const children = descendants(worker.pid, procs);
      const lines = [
        `\n[stall watchdog] a test worker has run for over ${STALL_SECONDS} s without finishing its file`,
        `  file(s) running that long: ${files.join(', ') || '(unknown)'}`,
        `  worker: ${describeProc(worker)}`,
        ...children.map((c) => `  started by it: ${describeProc(c)}`),
        await diagnosticReport(worker.pid),
        '  killing the worker and the processes it started, so that the run can end\n',
      ];
      process.stderr.write(lines.join('\n'));
      for (const p of [...children.reverse(), worker]) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      this.firstSeen.delete(worker.pid);
    }
  }
}
