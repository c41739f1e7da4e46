/**
 * Roster import in a running appliance: peak RSS and the longest event-loop stall while a large
 * students.csv is imported (first import, then the nightly re-import with 1% changed), with
 * `/healthz` asked over HTTP one request after another the whole time.
 * Each import runs in a fresh process (its peak RSS is the appliance's with that import), on one
 * data_dir, the way the server imports an upload to /incoming/data/. Each stall over 100 ms is
 * reported with the CPU time the process used during it: on a shared machine a long stall with
 * little CPU in it is time the process was not scheduled. Where the time goes: `--cpu-prof` on
 * bench/roster-import-run.ts.
 *
 *   node --import tsx bench/roster-stall.ts [rows]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRosterCsv } from './roster-csv.ts';
import { reportTarget } from './targets-lib.ts';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { applianceToml } from '../scripts/proof/lib/appliance-toml.ts';
import { createApp } from '../src/app.ts';
import { parseConfig } from '../src/config/parse.ts';



interface Measured {
  status: string;
  added: number;
  updated: number;
  seconds: number;
  /** Peak RSS of the whole process (appliance started + import). */
  peakRssMb: number;
  /** RSS of the started appliance before the import. */
  idleRssMb: number;
  /** Longest event-loop delay seen by monitorEventLoopDelay (10 ms resolution). */
  maxStallMs: number;
  /** Longest gap between two ticks of a 10 ms setInterval, less the 10 ms. */
  maxDriftMs: number;
  /** Every stall over 100 ms, longest first. */
  stallsOver100Ms: number[];
  /**
   * CPU time the process used during each of those stalls, same order: a stall with little CPU
   * in it is the machine's load (the process was not running), not the import's work.
   */
  stallCpuMs: number[];
  /** /healthz: answers completed while the import ran, and the slowest. */
  healthz: number;
  /** /healthz requests that failed (connection reset) while the import ran. */
  healthzFailed: number;
  maxHealthzMs: number;
}

/** The child: start the appliance on `dataDir`, import `csv` through its roster service, measure. */
async function child(dataDir: string, csv: string): Promise<void> {
  process.env.IDPHOTOS_LOG_LEVEL = 'warn';
  const toml = await applianceToml({ logLevel: 'warn', webAccounts: [{ username: 'bench', password: 'bench-password-1', role: 'staff' }] });
  const app = await createApp(parseConfig(toml, '', dataDir));
  const { webPort } = await app.start();
  const base = `http://127.0.0.1:${webPort}`;
  await (await fetch(`${base}/healthz`)).text();
  const idleRssMb = process.memoryUsage().rss / 1024 / 1024;

  const hist = monitorEventLoopDelay({ resolution: 10 });
  let last = performance.now();
  let maxDrift = 0;
  const stalls: { ms: number; cpuMs: number }[] = [];
  let lastCpu = process.cpuUsage();
  const probe = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage();
    if (now - last - 10 > 100) stalls.push({ ms: now - last - 10, cpuMs: (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000 });
    maxDrift = Math.max(maxDrift, now - last - 10);
    last = now;
    lastCpu = cpu;
  }, 10);
  let running = true;
  let healthz = 0;
  let failed = 0;
  let maxHealthz = 0;
  const poll = (async () => {
    while (running) {
      const t = performance.now();
      try {
        await (await fetch(`${base}/healthz`)).text();
      } catch {
        // NB: after a stall of several seconds the server's connection timeouts fire late and
        // reset sockets the client still holds: a failed probe, counted, not the end of the run.
        failed++;
        continue;
      }
      healthz++;
      maxHealthz = Math.max(maxHealthz, performance.now() - t);
    }
  })();
  hist.enable();
  const started = performance.now();
  const rec = await app.ctx.roster.importFile({ path: csv, origin: 'bench' });
  const seconds = (performance.now() - started) / 1000;
  // NB: a stall is seen by the first timer after it; the loop must turn a few times before the
  // probes stop, and the /healthz request the stall held up still counts.
  await new Promise((resolve) => setTimeout(resolve, 100));
  running = false;
  await poll;
  hist.disable();
  clearInterval(probe);
  await app.stop(500);
  const out: Measured = {
    status: rec.status, added: rec.added ?? 0, updated: rec.updated ?? 0, seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024, idleRssMb,
    maxStallMs: hist.max / 1e6, maxDriftMs: maxDrift,
    stallsOver100Ms: stalls.sort((a, b) => b.ms - a.ms).map((x) => x.ms), stallCpuMs: stalls.map((x) => x.cpuMs), healthz, healthzFailed: failed, maxHealthzMs: maxHealthz,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

async function parent(rows: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'idphotos-bench-stall-'));
  try {
    const csv = join(dir, 'students.csv');
    makeRosterCsv(csv, rows);
    mkdirSync(join(dir, 'next'));
    const nightly = join(dir, 'next', 'students.csv');
    makeRosterCsv(nightly, rows, 100);
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    const run = (file: string, data = dataDir) => {
      const args = ['--import', 'tsx', import.meta.filename, '--child', data, file];
      const out = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      return JSON.parse(out.trim().split('\n').at(-1)!) as Measured;
    };
    const first = run(csv);
    if (first.status !== 'applied' || first.added !== rows) throw new Error(`the first import did not add every row: ${JSON.stringify(first)}`);
    const again = run(nightly);
    if (again.status !== 'applied' || again.updated !== Math.ceil(rows / 100)) throw new Error(`the nightly import did not update 1%: ${JSON.stringify(again)}`);
    const mb = (statSync(csv).size / 1024 / 1024).toFixed(1);
    console.log(`students.csv: ${rows.toLocaleString('en-US')} rows, ${mb} MB; Node ${process.versions.node}; one process per import, /healthz asked back to back`);
    console.log('');
    console.log('| import | time | peak RSS (idle appliance) | longest event-loop stall | stalls over 100 ms: count, total, next longest | CPU in each stall over 100 ms (most) | /healthz answered during it (slowest), failed |');
    console.log('|---|---|---|---|---|---|---|');
    for (const [label, m] of [['first import', first], ['nightly re-import, 1% changed', again]] as const) {
      console.log(`| ${label} | ${m.seconds.toFixed(1)} s | ${m.peakRssMb.toFixed(0)} MB (${m.idleRssMb.toFixed(0)} MB) | ${Math.max(m.maxStallMs, m.maxDriftMs).toFixed(0)} ms | ${m.stallsOver100Ms.length}, ${(m.stallsOver100Ms.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s, ${m.stallsOver100Ms.slice(1, 4).map((x) => x.toFixed(0)).join(' / ')} ms | ${m.stallCpuMs.length ? `${Math.max(...m.stallCpuMs).toFixed(0)} ms` : '–'} | ${m.healthz} (${m.maxHealthzMs.toFixed(0)} ms), ${m.healthzFailed} |`);
    }
    console.log(`\nload average while measuring: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    // targets table (issue 12: 500,000 rows)
    if (rows >= 500_000) {
      const peak = Math.max(first.peakRssMb, again.peakRssMb);
      reportTarget('roster-500k-rss', { ours: `${peak.toFixed(0)} MiB`, value: peak, note: `${rows.toLocaleString('en-US')} rows, first and nightly; idle ${first.idleRssMb.toFixed(0)} MiB` });
      const stall = Math.max(first.maxStallMs, first.maxDriftMs, again.maxStallMs, again.maxDriftMs);
      reportTarget('roster-500k-stall', { ours: `${stall.toFixed(0)} ms`, value: stall, note: `longest, first and nightly; load ${loadavg()[0]!.toFixed(1)}` });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') await child(argv[1]!, argv[2]!);
else await parent(Number(argv.find((a) => !a.startsWith('--')) ?? 100_000));
