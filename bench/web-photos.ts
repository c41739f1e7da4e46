/**
 * Signed-in display-image requests (`GET /photos/:localid?size=profile` with a session cookie)
 * against nginx serving the same display images from disk, both under `wrk -t2 -c50`, in the
 * same run. Two more references show the most Node's HTTP stack can do here: a bare `node:http`
 * handler that checks a cookie and writes fixed headers, and a bare Hono handler, each answering
 * one image from memory (no session, no store). Besides requests per second, each target's CPU
 * time per request (all threads; nginx's workers from /proc): on a shared machine it moves far
 * less than the rates. Profile the appliance's side with
 * `node --cpu-prof --import tsx bench/web-photos.ts` (it serves from this process).
 *
 *   npx tsx bench/web-photos.ts [--photos 300] [--seconds 5] [--rounds 5]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import sharp from 'sharp';
import { benchSignIn, insertUsers, startBenchApp } from './web-lib.ts';
import { databaseOf } from '../src/storage/index.ts';
import { reportTarget } from './targets-lib.ts';

const { values } = parseArgs({
  options: { photos: { type: 'string', default: '300' }, seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '5' } },
});
const PHOTOS = Number(values.photos);
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);

const work = mkdtempSync(join(tmpdir(), 'idphotos-bench-photos-'));
// nginx's workers run as an unprivileged user: they must be able to read the files.
chmodSync(work, 0o755);
const site = await startBenchApp();
let nginx: ChildProcess | undefined;
let bare: ReturnType<typeof serve> | undefined;
let plainServer: ReturnType<typeof createHttpServer> | undefined;
try {
  const users = insertUsers(databaseOf(site.app.storage), PHOTOS);
  const upload = join(work, 'upload');
  mkdirSync(upload);
  const t0 = performance.now();
  for (const [i, u] of users.entries()) {
    const file = join(upload, `${u.local_id}.jpg`);
    const hue = (i * 37) % 360;
    writeFileSync(file, await portrait(hue));
    await site.app.ctx.photos.addFile(file, { account: 'bench' });
  }
  console.log(`ingested ${PHOTOS} photos in ${Math.round(performance.now() - t0)} ms`);

  const cookie = await benchSignIn(site.base);
  const root = join(work, 'www');
  // NB: the appliance sets umask 077 (its files are its owner's only): nginx's workers need these readable.
  mkdirSync(join(root, 'photos'), { recursive: true });
  chmodSync(root, 0o755);
  chmodSync(join(root, 'photos'), 0o755);
  let bytes = 0;
  let sample: Uint8Array | undefined;
  for (const u of users) {
    const res = await fetch(`${site.base}/photos/${u.local_id}?size=profile`, { headers: { cookie } });
    if (res.status !== 200 || res.headers.get('x-photo')) throw new Error(`photo ${u.local_id}: ${res.status} ${res.headers.get('x-photo') ?? ''}`);
    const body = new Uint8Array(await res.arrayBuffer());
    writeFileSync(join(root, 'photos', u.local_id), body);
    chmodSync(join(root, 'photos', u.local_id), 0o644);
    bytes += body.length;
    sample ??= body;
  }
  console.log(`display images (profile size): mean ${(bytes / users.length / 1024).toFixed(1)} KB`);

  const paths = users.map((u) => `/photos/${u.local_id}?size=profile`);
  const script = join(work, 'paths.lua');
  writeFileSync(
    script,
    `local paths = { ${paths.map((p) => JSON.stringify(p)).join(', ')} }
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1], { ["Cookie"] = "${cookie}" })
end
`,
  );

  const nginxPort = await freePort();
  const conf = join(work, 'nginx.conf');
  writeFileSync(
    conf,
    `worker_processes 2;
daemon off;
pid ${join(work, 'nginx.pid')};
error_log ${join(work, 'nginx-error.log')};
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path ${join(work, 'nginx-body')};
  proxy_temp_path ${join(work, 'nginx-proxy')};
  fastcgi_temp_path ${join(work, 'nginx-fastcgi')};
  uwsgi_temp_path ${join(work, 'nginx-uwsgi')};
  scgi_temp_path ${join(work, 'nginx-scgi')};
  server {
    listen 127.0.0.1:${nginxPort};
    root ${root};
    location /photos/ { default_type image/jpeg; add_header Cache-Control "private, no-cache"; }
  }
}
`,
  );
  nginx = spawn('nginx', ['-c', conf, '-p', work], { stdio: 'inherit' });
  await waitFor(`http://127.0.0.1:${nginxPort}${paths[0]}`);

  const bareApp = new Hono().get('/photos/:id', (c) => {
    c.header('Content-Type', 'image/jpeg');
    return c.body(sample as Uint8Array<ArrayBuffer>);
  });
  const barePort = await freePort();
  bare = serve({ fetch: bareApp.fetch, port: barePort, hostname: '127.0.0.1' });
  await waitFor(`http://127.0.0.1:${barePort}${paths[0]}`);

  // The reference for Node itself: node:http, a cookie checked, fixed headers, one image.
  const plain = createHttpServer((req, res) => {
    if (!req.headers.cookie?.includes('idphotos_session=')) {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': sample!.length, ETag: '"bench"', 'Cache-Control': 'private, no-cache' });
    res.end(sample);
  });
  plainServer = plain;
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  const plainPort = (plain.address() as { port: number }).port;

  // CPU time per request, all threads: nginx's from /proc, the other three live in this process.
  // Less disturbed by neighbours than requests per second (a busy machine stretches wall time).
  const inProcess = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  const nginxCpu = () => nginxWorkers(nginx!.pid!).reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const targets = [
    { name: 'nginx 1.22, 2 workers, files (reference)', url: `http://127.0.0.1:${nginxPort}`, cpu: nginxCpu },
    { name: 'idphotos, signed in, GET /photos/:id', url: site.base, cpu: inProcess },
    { name: 'bare node:http, cookie checked, from memory', url: `http://127.0.0.1:${plainPort}`, cpu: inProcess },
    { name: 'bare Hono handler, one image from memory', url: `http://127.0.0.1:${barePort}`, cpu: inProcess },
  ];
  // The machine is shared: rounds run the three back to back, in a rotating order, and the
  // ratios are taken within a round (same moment, same neighbours), then the median over rounds.
  const ratios = new Map<string, number[]>();
  const rates = new Map<string, number[]>();
  const cpuPerRequest = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
    const rps = new Map<string, number>();
    for (const t of order) {
      const cpu0 = t.cpu();
      const r = await wrk(t.url, script);
      const us = ((t.cpu() - cpu0) * 1e6) / r.requests;
      cpuPerRequest.set(t.name, [...(cpuPerRequest.get(t.name) ?? []), us]);
      rps.set(t.name, r.rps);
      rates.set(t.name, [...(rates.get(t.name) ?? []), r.rps]);
      console.log(`round ${round + 1} ${t.name}: ${Math.round(r.rps)} req/s, ${us.toFixed(1)} µs CPU per request, latency p50 ${r.p50} p99 ${r.p99}`);
    }
    for (const t of targets) ratios.set(t.name, [...(ratios.get(t.name) ?? []), rps.get(t.name)! / rps.get(targets[0]!.name)!]);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`\nmedian over ${ROUNDS} rounds of wrk -t2 -c50 -d${SECONDS}s:`);
  for (const t of targets) {
    console.log(
      `${t.name.padEnd(44)} ${String(Math.round(median(rates.get(t.name)!))).padStart(7)} req/s  ${median(ratios.get(t.name)!).toFixed(2)}× nginx (per-round: ${ratios.get(t.name)!.map((r) => r.toFixed(2)).join(' ')})  ${median(cpuPerRequest.get(t.name)!).toFixed(1)} µs CPU/request`,
    );
  }
  // targets table (bench/targets-lib.ts)
  const [ngx, ours] = [targets[0]!.name, targets[1]!.name].map((n) => Math.round(median(rates.get(n)!)));
  reportTarget('web-images', { reference: `nginx ${ngx} req/s`, ours: `${ours} req/s`, ratio: median(ratios.get(targets[1]!.name)!), value: median(ratios.get(targets[1]!.name)!), note: `median of ${ROUNDS} rounds` });
} finally {
  nginx?.kill('SIGTERM');
  bare?.close();
  plainServer?.close();
  await site.close();
  rmSync(work, { recursive: true, force: true });
}

/** NB: async, not spawnSync: two of the servers measured live in this process's event loop. */
async function wrk(base: string, script: string): Promise<{ rps: number; requests: number; p50: string; p99: string; errors: number }> {
  const child = spawn('wrk', ['-t2', '-c50', `-d${SECONDS}s`, '--latency', '-s', script, base]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`wrk failed: ${stderr}`);
  const out = { stdout };
  const rps = Number(/Requests\/sec:\s+([0-9.]+)/.exec(out.stdout)?.[1]);
  const p50 = /\s50%\s+(\S+)/.exec(out.stdout)?.[1] ?? '?';
  const p99 = /\s99%\s+(\S+)/.exec(out.stdout)?.[1] ?? '?';
  const errors = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out.stdout)?.[1] ?? 0) + Number(/Socket errors:.*?timeout (\d+)/.exec(out.stdout)?.[1] ?? 0);
  if (errors) throw new Error(`${base}: ${errors} non-2xx responses\n${out.stdout}`);
  const requests = Number(/(\d+) requests in/.exec(out.stdout)?.[1]);
  return { rps, requests, p50, p99, errors };
}

/** nginx's worker processes: the master's children. */
function nginxWorkers(master: number): number[] {
  return readFileSync(`/proc/${master}/task/${master}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

/** CPU seconds (user + system, all threads) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A 360×450 JPEG with camera-like grain, so display images weigh what real ones do (~12 KB). */
async function portrait(hue: number): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="360" height="450"><rect width="360" height="450" fill="hsl(${hue},40%,85%)" fill-opacity="0.85"/>
<path d="M40 450 Q50 335 180 320 Q310 335 320 450 Z" fill="hsl(${(hue + 180) % 360},45%,40%)"/><ellipse cx="180" cy="205" rx="72" ry="90" fill="#d9a37f"/>
<path d="M106 200 Q100 105 180 100 Q262 105 254 200 Q245 150 180 145 Q118 150 106 200 Z" fill="#3b2a1e"/></svg>`;
  const grain = await sharp({ create: { width: 120, height: 150, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 50 } } })
    .resize(360, 450, { kernel: 'cubic' })
    .png()
    .toBuffer();
  return sharp(grain)
    .composite([{ input: Buffer.from(svg) }])
    .jpeg({ quality: 90 })
    .toBuffer();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not answer`);
}
