#!/usr/bin/env node
// Start-up of the single executable: exec → /healthz answering, and idle RSS, against plain
// `node` measured in the same run (exec → exit of `node -e 0`; RSS of an idle `node -e`).
// Usage: node bench/startup.mjs [--runs N] [--exe FILE]   (builds the executable when no --exe)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' }, exe: { type: 'string' } } });
const runs = Number(values.runs);
const work = mkdtempSync(join(tmpdir(), 'idphotos-bench-startup-'));

try {
  const exe = values.exe ? resolve(values.exe) : join(work, 'idphotos');
  if (!values.exe) execFileSync(process.execPath, [join(ROOT, 'scripts/build-sea.mjs'), '--out', exe], { stdio: 'inherit' });
  // Configured accounts: a start without them would also time two argon2id hashes.
  const hash = execFileSync(exe, ['hash-password'], { input: 'bench' }).toString().trim();
  const config = (dataDir) =>
    `data_dir = "${dataDir}"\n[log]\nlevel = "info"\n[sftp]\nlisten = "127.0.0.1:0"\n[[sftp.accounts]]\nusername = "d"\npassword_hash = "${hash}"\n` +
    `[web]\nlisten = "127.0.0.1:0"\n[[web.accounts]]\nusername = "a"\npassword_hash = "${hash}"\nrole = "admin"\n`;

  const nodeExit = [];
  for (let i = 0; i < runs; i++) nodeExit.push(await timeToExit(process.execPath, ['-e', '0']));
  const nodeRss = await idleRss(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);

  const cold = [];
  const warm = [];
  const warmCpu = [];
  let exeRss = 0;
  const warmData = join(work, 'warm');
  writeFileSync(join(work, 'warm.toml'), config(warmData));
  await timeToHealthz(exe, join(work, 'warm.toml')); // unpack once
  for (let i = 0; i < runs; i++) {
    const dir = join(work, `cold-${i}`);
    writeFileSync(`${dir}.toml`, config(dir));
    cold.push((await timeToHealthz(exe, `${dir}.toml`)).ms);
    rmSync(dir, { recursive: true, force: true });
    const w = await timeToHealthz(exe, join(work, 'warm.toml'), i === runs - 1);
    warm.push(w.ms);
    warmCpu.push(w.cpuMs);
    if (w.rss) exeRss = w.rss;
  }

  const source = [];
  const fromSource = [process.execPath, [join(ROOT, 'bin/idphotos.js')]];
  for (let i = 0; i < runs; i++) source.push((await timeToHealthz(exe, join(work, 'warm.toml'), false, fromSource)).ms);

  const row = (name, ms, ref) => `| ${name} | ${median(ms).toFixed(0)} ms | ${(median(ms) / median(ref)).toFixed(1)}× |`;
  console.log(`\nmachine: ${availableParallelism()} cores, Node ${process.version}; median of ${runs} runs`);
  console.log('| start-up | median | vs `node -e 0` |');
  console.log('|---|---|---|');
  console.log(`| \`node -e 0\` (exec → exit, reference) | ${median(nodeExit).toFixed(0)} ms | 1.0× |`);
  console.log(row('executable, warm (exec → /healthz 200)', warm, nodeExit));
  console.log(row('executable, first start (unpack, migrate, host key)', cold, nodeExit));
  // CPU time is steadier than wall time on a shared machine: it leaves out the waits for a core.
  console.log(`| executable, warm: CPU time used by /healthz (user + system, every thread) | ${median(warmCpu).toFixed(0)} ms | |`);
  console.log(row('from source, warm (`node bin/idphotos.js`, tsx)', source, nodeExit));
  console.log(`\n| idle RSS | MiB | vs idle \`node -e\` |\n|---|---|---|`);
  console.log(`| idle \`node -e\` (reference) | ${(nodeRss / 1024).toFixed(0)} | 1.0× |`);
  console.log(`| executable, serving, idle | ${(exeRss / 1024).toFixed(0)} | ${(exeRss / nodeRss).toFixed(1)}× |`);
  // targets table: the JSON line of bench/targets-lib.ts's reportTarget (this file runs without tsx)
  const reportTarget = (id, m) => console.log(JSON.stringify({ benchTarget: { id, ...m } }));
  reportTarget('exe-start', { reference: `\`node -e 0\` ${median(nodeExit).toFixed(0)} ms`, ours: `${median(warm).toFixed(0)} ms`, ratio: median(warm) / median(nodeExit), value: median(warm), note: `warm, median of ${runs}` });
  reportTarget('exe-rss', { reference: `idle \`node -e\` ${(nodeRss / 1024).toFixed(0)} MiB`, ours: `${(exeRss / 1024).toFixed(0)} MiB`, ratio: exeRss / nodeRss, value: exeRss / 1024 });
} finally {
  rmSync(work, { recursive: true, force: true });
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function timeToExit(file, args) {
  const t0 = performance.now();
  const child = spawn(file, args, { stdio: 'ignore' });
  return new Promise((res) => child.on('exit', () => res(performance.now() - t0)));
}

/** VmRSS (KiB) of a process that has settled for a second. */
function rssOf(pid) {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
}

async function idleRss(file, args) {
  const child = spawn(file, args, { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 1000));
  const rss = rssOf(child.pid);
  child.kill();
  return rss;
}

/** Spawns `exe serve`, polls /healthz from exec until 200, optionally samples idle RSS, stops it. */
async function timeToHealthz(exe, configFile, sampleRss = false, command = ['env', ['-i', exe]]) {
  const t0 = performance.now();
  const child = spawn(command[0], [...command[1], 'serve', '--config', configFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  let ms;
  let cpuMs;
  for (;;) {
    const port = /web listening on [^\s"]+:(\d+)/.exec(out)?.[1];
    if (port) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (r.status === 200) {
          ms = performance.now() - t0;
          cpuMs = cpuMsOf(child.pid);
          break;
        }
      } catch {}
    }
    if (child.exitCode !== null) throw new Error(`serve exited early: ${out}`);
    await new Promise((r) => setTimeout(r, 2));
  }
  let rss;
  if (sampleRss) {
    await new Promise((r) => setTimeout(r, 1000));
    rss = rssOf(child.pid);
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  return { ms, cpuMs, rss };
}

/** CPU time (user + system, every thread) a process has used so far, in ms (10 ms ticks). */
function cpuMsOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
