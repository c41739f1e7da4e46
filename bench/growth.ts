/**
 * Growth: a district of N students with N current photos, for N = 10,000, 100,000 and 1,000,000.
 * At each size: the roster import of a generated students.csv (the real import, in a process of
 * its own), start-up of the single executable on that data_dir (exec → `/healthz` 200, median of
 * a few starts), its idle RSS, and the p95 of search-as-you-type and of display images, signed in,
 * one request after another. Prints a Markdown table, the time each step took, and draws
 * docs/growth.png (SVG rendered by sharp).
 *
 * The photo store is generated, not uploaded (a million uploads would take hours): every photo
 * gets the rows an upload leaves (`photo_versions`, `photos`, `photo_files`) and its four files
 * in the content store (the upload and three display sizes, named by its own SHA-256 under
 * `photos/sha256/ab/`), hard-linked to one of a pool of real JPEGs. Start-up and serving read
 * exactly those: rows, folder entries, file bytes. The file bytes are shared, so the page cache
 * holds them all; an image p95 here is the appliance's cost, not the disk's.
 *
 *   node --import tsx bench/growth.ts [--sizes 10000,100000,1000000] [--exe FILE] [--starts 3]
 *                                     [--requests 400] [--png docs/growth.png | --no-png] [--keep]
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { DISPLAY_SIZES } from '../src/domain/photos/sizes.ts';
import { MAX_ROWS } from '../src/domain/roster/parse-roster.ts';
import { makeRosterCsv } from './roster-csv.ts';
import { reportTarget } from './targets-lib.ts';
import { benchSignIn } from './web-lib.ts';

const ROOT = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    exe: { type: 'string' },
    starts: { type: 'string', default: '3' },
    requests: { type: 'string', default: '400' },
    png: { type: 'string', default: join(ROOT, 'docs', 'growth.png') },
    'no-png': { type: 'boolean', default: false },
    /** Keep each size's data_dir (and print where), to profile a start on it afterwards. */
    keep: { type: 'boolean', default: false },
  },
});
const SIZES = values.sizes.split(',').map(Number);
const STARTS = Number(values.starts);
const REQUESTS = Number(values.requests);
const PASSWORD = 'growth-bench-1';
/** Real JPEGs the photos are hard-linked to; ext4 allows 65,000 links to one file. */
const POOL = 64;

interface Result {
  n: number;
  importS: number;
  importRssMib: number;
  generateS: number;
  startMs: number[];
  rssMib: number;
  searchP95: number;
  imageP95: number;
  dbMib: number;
  steps: Record<string, number>;
}

const work = mkdtempSync(join(tmpdir(), 'idphotos-bench-growth-'));
const benchStarted = performance.now();
try {
  const exe = values.exe ? resolve(values.exe) : join(work, 'idphotos');
  if (!values.exe) execFileSync(process.execPath, [join(ROOT, 'scripts/build-sea.mjs'), '--out', exe], { stdio: ['ignore', 'ignore', 'inherit'] });
  const hash = execFileSync(exe, ['hash-password'], { input: PASSWORD }).toString().trim();
  const pool = await photoPool(join(work, 'pool'));
  // fetch's first call loads undici (~100 ms here): not part of any start measured below.
  await fetch('http://127.0.0.1:1/').catch(() => {});

  const results: Result[] = [];
  for (const n of SIZES) results.push(await measureSize(n, exe, hash, pool));

  const loads = loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`\nmachine: ${availableParallelism()} cores, Node ${process.version}; N students and N current photos at each size; start-up median of ${STARTS}; ${REQUESTS} requests each for search and images; load average ${loads} at the end\n`);
  console.log('| students = photos | roster import (peak RSS) | start-up, exec → /healthz (each start) | idle RSS | search p95 | image p95 | database |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.n.toLocaleString('en-US')} | ${r.importS.toFixed(2)} s (${r.importRssMib.toFixed(0)} MiB) | ${median(r.startMs).toFixed(0)} ms (${r.startMs.map((x) => x.toFixed(0)).join(' / ')}) | ${r.rssMib.toFixed(0)} MiB | ${r.searchP95.toFixed(1)} ms | ${r.imageP95.toFixed(1)} ms | ${r.dbMib.toFixed(0)} MiB |`,
    );
  }
  console.log('\nTime of each step (s):\n');
  const stepNames = Object.keys(results[0]?.steps ?? {});
  console.log(`| size | ${stepNames.join(' | ')} |`);
  console.log(`|---|${stepNames.map(() => '---|').join('')}`);
  for (const r of results) console.log(`| ${r.n.toLocaleString('en-US')} | ${stepNames.map((s) => r.steps[s]!.toFixed(1)).join(' | ')} |`);
  console.log(`\nwhole benchmark: ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`);

  const million = results.find((r) => r.n === 1_000_000);
  if (million) {
    const small = results[0]!.n < million.n ? results[0]! : undefined;
    reportTarget('growth-1m-start', {
      reference: small ? `${small.n.toLocaleString('en-US')} photos ${median(small.startMs).toFixed(0)} ms` : undefined,
      ours: `${median(million.startMs).toFixed(0)} ms`,
      ratio: small ? median(million.startMs) / median(small.startMs) : undefined,
      value: median(million.startMs),
      note: `executable, median of ${STARTS}`,
    });
  }
  if (!values['no-png'] && results.length > 1) {
    await sharp(Buffer.from(plot(results))).png().toFile(values.png);
    console.error(`wrote ${values.png}`);
  }
} finally {
  if (!values.keep) rmSync(work, { recursive: true, force: true });
}

async function measureSize(n: number, exe: string, hash: string, pool: string[][]): Promise<Result> {
  const steps: Record<string, number> = {};
  const step = async <T>(name: string, fn: () => T | Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await fn();
    steps[name] = (performance.now() - t0) / 1000;
    console.error(`growth ${n}: ${name} ${steps[name]!.toFixed(1)} s`);
    return out;
  };
  const dir = join(work, String(n));
  const dataDir = join(dir, 'data');
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'appliance.toml');
  writeFileSync(
    config,
    `data_dir = "${dataDir}"\n[log]\nlevel = "info"\n[sftp]\nlisten = "127.0.0.1:0"\n[[sftp.accounts]]\nusername = "district"\npassword_hash = "${hash}"\n` +
      `[web]\nlisten = "127.0.0.1:0"\n[[web.accounts]]\nusername = "staff"\npassword_hash = "${hash}"\nrole = "staff"\n`,
  );
  try {
    // A first start: data_dir, database and migrations, host key, unpacked libraries.
    await step('first start', async () => (await startServe(exe, config)).stop());
    const files = await step('students.csv', () => rosterFiles(dir, n));
    const imported = await step('roster import', () => {
      const runs = files.map((f) => rosterImport(dataDir, f));
      return { seconds: runs.reduce((t, r) => t + r.seconds, 0), maxRssMb: Math.max(...runs.map((r) => r.maxRssMb)) };
    });
    await step('photo rows', () => photoRows(join(dataDir, 'idphotos.db'), n));
    await step('photo files', () => photoFiles(join(dataDir, 'photos', 'sha256'), n, pool));
    const startMs: number[] = [];
    const server = await step('starts', async () => {
      for (let i = 0; i < STARTS - 1; i++) {
        const s = await startServe(exe, config);
        startMs.push(s.ms);
        await s.stop();
      }
      const s = await startServe(exe, config);
      startMs.push(s.ms);
      return s;
    });
    try {
      await new Promise((r) => setTimeout(r, 1000));
      const rssMib = rssOf(server.pid) / 1024;
      const cookie = await benchSignIn(server.base, 'staff', PASSWORD);
      const ids = (count: number, seed: number) => Array.from({ length: count }, (_, i) => localId(((i * 7919 + seed) * 104729) % n));
      const searchP95 = await step('searches', () => p95(server.base, cookie, searchPaths(REQUESTS, n)));
      const imageP95 = await step('images', () => p95(server.base, cookie, ids(REQUESTS, 3).map((id) => `/photos/${id}?size=profile`)));
      return { n, importS: imported.seconds, importRssMib: imported.maxRssMb, generateS: steps['photo rows']! + steps['photo files']!, startMs, rssMib, searchP95, imageP95, dbMib: statSync(join(dataDir, 'idphotos.db')).size / 2 ** 20, steps };
    } finally {
      await server.stop();
    }
  } finally {
    if (values.keep) console.error(`growth ${n}: kept ${dir} (appliance.toml and data/)`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The roster files of a district of n people. One file holds at most 500,000 rows (MAX_ROWS of
 * the roster import: "split the export"), so a larger district sends students.csv and staff.csv
 * (the same columns; the rows past 500,000 as staff), imported one after the other.
 */
function rosterFiles(dir: string, n: number): string[] {
  const students = join(dir, 'students.csv');
  makeRosterCsv(students, n);
  if (n <= MAX_ROWS) return [students];
  const [header, ...rows] = readFileSync(students, 'utf8').trimEnd().split('\r\n');
  const staff = join(dir, 'staff.csv');
  writeFileSync(students, `${[header, ...rows.slice(0, MAX_ROWS)].join('\r\n')}\r\n`);
  writeFileSync(staff, `${[header, ...rows.slice(MAX_ROWS)].join('\r\n')}\r\n`);
  return [students, staff];
}

/** The real roster import in a process of its own, as bench/roster-import.ts runs it. */
function rosterImport(dataDir: string, csv: string): { seconds: number; maxRssMb: number } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'roster-import-run.ts'), dataDir, csv], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  const r = JSON.parse(out.toString().trim().split('\n').at(-1)!) as { seconds: number; maxRssMb: number; status: string; added: number };
  if (r.status !== 'applied') throw new Error(`the roster import was not applied: ${JSON.stringify(r)}`);
  return r;
}

// NB: function declarations, not consts: the top-level run above calls them before this line.
function shaOf(i: number): string {
  return createHash('sha256').update(`growth-photo-${i}`).digest('hex');
}
/** The Local ID bench/roster-csv.ts gives the i-th student. */
function localId(i: number): string {
  return String(100000 + i).padStart(8, '0');
}

/** The rows an upload leaves, for students 0..n-1 (as the roster import named them): one version each, current, listed. */
function photoRows(file: string, n: number): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  const at = new Date().toISOString();
  const version = db.prepare(
    `INSERT INTO photo_versions (local_id, source_sha256, state, format, width, height, bytes, file_name, account, remote_address, owner, seq, created_at, uploaded_at)
     VALUES (?, ?, 'ready', 'jpeg', 600, 800, 139000, ?, 'district', '127.0.0.1', '', ?, ?, ?)`,
  );
  const photo = db.prepare('INSERT INTO photos (local_id, version_id, seq, updated_at) VALUES (?, ?, ?, ?)');
  const listed = db.prepare('INSERT INTO photo_files (name, local_id, version_id, seq, mtime, committed_at) VALUES (?, ?, ?, ?, ?, ?)');
  const mtime = Math.floor(Date.now() / 1000);
  const BATCH = 50_000;
  for (let from = 0; from < n; from += BATCH) {
    db.transaction(() => {
      for (let i = from; i < Math.min(n, from + BATCH); i++) {
        const id = localId(i);
        const seq = i + 1;
        const v = version.run(id, shaOf(i), `${id}.jpg`, seq, at, at).lastInsertRowid;
        photo.run(id, v, seq, at);
        listed.run(`${id}.jpg`, id, v, seq, mtime, at);
      }
    })();
  }
  db.prepare('UPDATE photo_sequence SET value = ? WHERE id = 1').run(n);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** The content store's four files of each photo, hard-linked to the pool. */
function photoFiles(root: string, n: number, pool: string[][]): void {
  const made = new Set<string>();
  for (let i = 0; i < n; i++) {
    const sha = shaOf(i);
    const folder = join(root, sha.slice(0, 2));
    if (!made.has(folder)) {
      mkdirSync(folder, { recursive: true });
      made.add(folder);
    }
    const [source, thumb, profile, full] = pool[i % pool.length]!;
    const base = join(folder, sha);
    linkSync(source!, base);
    linkSync(thumb!, `${base}.thumb.jpg`);
    linkSync(profile!, `${base}.profile.jpg`);
    linkSync(full!, `${base}.full.jpg`);
  }
}

/** POOL real 600×800 JPEGs with camera-like grain (~140 KB) and their display sizes, rendered by sharp. */
async function photoPool(dir: string): Promise<string[][]> {
  mkdirSync(dir, { recursive: true });
  const pool: string[][] = [];
  for (let k = 0; k < POOL; k++) {
    const grain = await sharp({ create: { width: 150, height: 200, channels: 3, background: { r: 120 + k, g: 110, b: 100 }, noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
      .resize(600, 800, { kernel: 'cubic' })
      .jpeg({ quality: 80 })
      .toBuffer();
    const files = [join(dir, `${k}`)];
    writeFileSync(files[0]!, grain);
    for (const [name, px] of Object.entries(DISPLAY_SIZES)) {
      const f = join(dir, `${k}.${name}.jpg`);
      await sharp(grain).resize(px, px, { fit: 'inside' }).jpeg({ quality: 80 }).toFile(f);
      files.push(f);
    }
    pool.push(files);
  }
  return pool;
}

/** What people type into search-as-you-type: name prefixes, a first and last name, an ID prefix. */
function searchPaths(count: number, n: number): string[] {
  const FIRST = ['Jos', 'Zo', 'Mary', 'Liam', 'Ava', 'Noah', 'Oli', 'Elijah', 'Sof'];
  const LAST = ["O'B", 'Ngu', 'Smith', 'Garc', 'Johns', 'Will', 'Bro', 'Mül', 'Lee', 'Pat'];
  return Array.from({ length: count }, (_, i) => {
    const q = i % 4 === 0 ? FIRST[i % FIRST.length]! : i % 4 === 1 ? LAST[i % LAST.length]! : i % 4 === 2 ? `${FIRST[i % FIRST.length]} ${LAST[(i * 3) % LAST.length]}` : localId((i * 104729) % n).slice(0, 5);
    return `/search?${new URLSearchParams({ q, fragment: '1' })}`;
  });
}

/** Sequential GETs (after 20 warm-ups), p95 of the client time in ms; every answer must be 200. */
async function p95(base: string, cookie: string, paths: string[]): Promise<number> {
  for (const p of paths.slice(0, 20)) await (await fetch(base + p, { headers: { cookie } })).arrayBuffer();
  const ms: number[] = [];
  for (const p of paths) {
    const t0 = performance.now();
    const res = await fetch(base + p, { headers: { cookie } });
    await res.arrayBuffer();
    ms.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`${p}: HTTP ${res.status}`);
  }
  ms.sort((a, b) => a - b);
  return ms[Math.min(ms.length - 1, Math.ceil(ms.length * 0.95) - 1)]!;
}

/** `exe serve`, from exec until `/healthz` answers 200 (polled every 2 ms, as bench/startup.mjs does). */
async function startServe(exe: string, config: string): Promise<{ ms: number; pid: number; base: string; stop(): Promise<void> }> {
  const t0 = performance.now();
  const child = spawn('env', ['-i', exe, 'serve', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  for (;;) {
    const port = /web listening on [^\s"]+:(\d+)/.exec(out)?.[1];
    if (port) {
      const base = `http://127.0.0.1:${port}`;
      const ok = await fetch(`${base}/healthz`).then((r) => r.status === 200, () => false);
      if (ok) {
        const ms = performance.now() - t0;
        // The log is drained and dropped from here on (info lines per request would pile up).
        out = '';
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        return {
          ms,
          pid: child.pid!,
          base,
          async stop() {
            child.kill('SIGTERM');
            if (child.exitCode === null) await new Promise((r) => child.on('exit', r));
          },
        };
      }
    }
    if (child.exitCode !== null) throw new Error(`serve exited early (${child.exitCode}): ${err}${out}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

function rssOf(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Four small charts over N (log scale): roster import, start-up, idle RSS, p95 of search and images. */
export function plot(results: Pick<Result, 'n' | 'importS' | 'startMs' | 'rssMib' | 'searchP95' | 'imageP95'>[]): string {
  const W = 1000;
  const H = 640;
  const panels: Array<{ title: string; unit: string; series: Array<{ name: string; color: string; ys: number[] }>; limit?: number }> = [
    { title: 'Roster import (real import of students.csv)', unit: 's', series: [{ name: 'import', color: '#1f77b4', ys: results.map((r) => r.importS) }] },
    { title: 'Start-up, exec → /healthz (median)', unit: 'ms', series: [{ name: 'start-up', color: '#d62728', ys: results.map((r) => median(r.startMs)) }], limit: 2000 },
    { title: 'Idle RSS of the executable', unit: 'MiB', series: [{ name: 'RSS', color: '#2ca02c', ys: results.map((r) => r.rssMib) }] },
    {
      title: 'p95, signed in, one request at a time',
      unit: 'ms',
      series: [
        { name: 'search', color: '#9467bd', ys: results.map((r) => r.searchP95) },
        { name: 'image', color: '#ff7f0e', ys: results.map((r) => r.imageP95) },
      ],
    },
  ];
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, sans-serif" font-size="13"><rect width="${W}" height="${H}" fill="#fff"/>`];
  parts.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="17">idphotos growth: N students with N photos</text>`);
  const xs = results.map((r) => Math.log10(r.n));
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  panels.forEach((p, i) => {
    const left = 70 + (i % 2) * (W / 2);
    const top = 60 + Math.floor(i / 2) * ((H - 60) / 2);
    const pw = W / 2 - 110;
    const ph = (H - 60) / 2 - 80;
    const all = p.series.flatMap((s) => s.ys).concat(p.limit ?? []);
    const ymax = niceMax(Math.max(...all));
    const X = (v: number) => left + (x1 === x0 ? pw / 2 : ((v - x0) / (x1 - x0)) * pw);
    const Y = (v: number) => top + ph - (v / ymax) * ph;
    parts.push(`<text x="${left}" y="${top - 10}" font-weight="bold">${esc(p.title)}</text>`);
    parts.push(`<line x1="${left}" y1="${top + ph}" x2="${left + pw}" y2="${top + ph}" stroke="#333"/><line x1="${left}" y1="${top}" x2="${left}" y2="${top + ph}" stroke="#333"/>`);
    for (let t = 0; t <= 4; t++) {
      const v = (ymax * t) / 4;
      parts.push(`<line x1="${left}" y1="${Y(v)}" x2="${left + pw}" y2="${Y(v)}" stroke="#ddd"/><text x="${left - 6}" y="${Y(v) + 4}" text-anchor="end">${+v.toPrecision(3)}</text>`);
    }
    parts.push(`<text x="${left - 50}" y="${top + ph / 2}" transform="rotate(-90 ${left - 50} ${top + ph / 2})" text-anchor="middle">${p.unit}</text>`);
    results.forEach((r, j) => parts.push(`<text x="${X(xs[j]!)}" y="${top + ph + 18}" text-anchor="middle">${r.n >= 1e6 ? `${r.n / 1e6}M` : `${r.n / 1e3}k`}</text>`));
    if (p.limit !== undefined) parts.push(`<line x1="${left}" y1="${Y(p.limit)}" x2="${left + pw}" y2="${Y(p.limit)}" stroke="#d62728" stroke-dasharray="6 4"/><text x="${left + pw}" y="${Y(p.limit) - 5}" text-anchor="end" fill="#d62728">target ${p.limit} ${p.unit}</text>`);
    p.series.forEach((s, k) => {
      parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2.5" points="${s.ys.map((y, j) => `${X(xs[j]!)},${Y(y)}`).join(' ')}"/>`);
      s.ys.forEach((y, j) => parts.push(`<circle cx="${X(xs[j]!)}" cy="${Y(y)}" r="4" fill="${s.color}"/>`));
      if (p.series.length > 1) parts.push(`<rect x="${left + 10}" y="${top + 8 + k * 18}" width="12" height="12" fill="${s.color}"/><text x="${left + 28}" y="${top + 18 + k * 18}">${esc(s.name)}</text>`);
    });
    parts.push(`<text x="${left + pw / 2}" y="${top + ph + 36}" text-anchor="middle" fill="#555">students = photos (log scale)</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  // NB: multiples whose quarters are round numbers: the charts have four grid lines.
  for (const m of [1, 2, 4, 6, 8, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}
