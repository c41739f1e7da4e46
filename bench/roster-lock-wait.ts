/**
 * What a roster import on a second database connection does to the appliance's own writes.
 * The appliance (`createApp`, started) writes one audit row every 250 ms on its connection while
 * `idphotos import` (another process, another connection) applies a generated students.csv.
 * Reports each write's wait (busy_timeout is 5 s, and better-sqlite3 waits synchronously on the
 * event loop), the writes that failed, and the event-loop gaps over 100 ms; first the same writes
 * for 5 s with no import, as the control (on a shared machine a durable write's fsync alone can
 * take hundreds of milliseconds).
 *
 *   node --import tsx bench/roster-lock-wait.ts [rows]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { applianceToml } from '../scripts/proof/lib/appliance-toml.ts';
import { createApp } from '../src/app.ts';
import { parseConfig } from '../src/config/parse.ts';

process.env.IDPHOTOS_LOG_LEVEL = 'warn';
const rows = Number(process.argv[2] ?? 300_000);
const dir = mkdtempSync(join(tmpdir(), 'idphotos-bench-lock-'));
try {
  const lines = ['Local ID,First Name,Last Name,Middle Name,Grade,Building,Email,Username'];
  for (let i = 0; i < rows; i++) {
    const id = String(100000 + i).padStart(8, '0');
    lines.push(`${id},Ava,Lee,,${String((i % 12) + 1).padStart(2, '0')},Central High,s${id}@example.org,s${id}`);
  }
  const csv = join(dir, 'students.csv');
  writeFileSync(csv, `${lines.join('\r\n')}\r\n`);
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  const toml = await applianceToml({ logLevel: 'warn', dataDir });
  const tomlPath = join(dir, 'appliance.toml');
  writeFileSync(tomlPath, toml);
  const app = await createApp(parseConfig(toml, '', dataDir));
  await app.start();

  const probeWrite = (): { ms: number; error?: string } => {
    const t = performance.now();
    try {
      app.storage.audit.insertAll([{ at: new Date().toISOString(), actor: 'bench', action: 'admin.action', local_id: '', detail: 'lock-wait probe', ip: '' }]);
      return { ms: Math.round(performance.now() - t) };
    } catch (err) {
      return { ms: Math.round(performance.now() - t), error: (err as { code?: string }).code ?? String(err) };
    }
  };
  const control: { ms: number; error?: string }[] = [];
  for (const end = performance.now() + 5000; performance.now() < end;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    control.push(probeWrite());
  }

  let last = performance.now();
  const gaps: number[] = [];
  const tick = setInterval(() => {
    const now = performance.now();
    if (now - last - 10 > 100) gaps.push(Math.round(now - last - 10));
    last = now;
  }, 10);
  const started = performance.now();
  const child = spawn(process.execPath, [join(import.meta.dirname, '../bin/idphotos.js'), 'import', csv, '--config', tomlPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  let done = false;
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  void exited.then(() => (done = true));
  const writes: { ms: number; error?: string }[] = [];
  while (!done) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    writes.push(probeWrite());
  }
  clearInterval(tick);
  const code = await exited;
  await app.stop(500);
  if (code !== 0) throw new Error(`idphotos import exited ${code}: ${out}`);
  const failed = writes.filter((w) => w.error);
  console.log(`${rows.toLocaleString('en-US')} rows, first import in another process: ${((performance.now() - started) / 1000).toFixed(1)} s; ${out.split('\n')[0]}`);
  console.log(`appliance writes: ${writes.length}, failed: ${failed.length} (${failed.map((w) => `${w.error} after ${w.ms} ms`).join(', ') || 'none'}), waited over 100 ms: ${writes.filter((w) => !w.error && w.ms > 100).map((w) => `${w.ms} ms`).join(', ') || 'none'}`);
  console.log(`control, the same writes for 5 s with no import: ${control.length}, failed: ${control.filter((w) => w.error).length}, slowest ${Math.max(...control.map((w) => w.ms))} ms`);
  console.log(`event-loop gaps over 100 ms: ${gaps.join(', ') || 'none'} (total ${(gaps.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s)`);
  console.log(`load average: ${loadavg().map((l) => l.toFixed(1)).join(' ')}; Node ${process.versions.node}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
