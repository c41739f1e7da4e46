/**
 * Roster import benchmark: a 100,000-row students.csv validated and applied end to end
 * (fresh database, one process per run) against the sqlite3 CLI `.import` of the same file
 * into an equivalent table, in the same run, under Node and under Deno 2 (node:sqlite).
 * Prints a Markdown table for docs/BENCHMARKS.md. The same imports also run as the product ships
 * them: `idphotos import FILE` of the single executable (built here, or `--exe PATH`), timed from
 * outside, whose peak RSS has no TypeScript loader in it (tsx alone holds ≈ 35 MiB).
 *
 *   node --import tsx bench/roster-import.ts [rows] [runs] [--exe PATH]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRosterCsv } from './roster-csv.ts';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../src/storage/db.ts';
import { denoBinary } from '../scripts/proof/lib/deno.ts';
import { requireProgram } from '../test/programs.ts';
import { reportTarget } from './targets-lib.ts';

const { values: opts, positionals } = parseArgs({ allowPositionals: true, options: { exe: { type: 'string' } } });
const ROWS = Number(positionals[0] ?? 100_000);
const RUNS = Number(positionals[1] ?? 5);
const DENO = denoBinary();
const DENO_VERSION = execFileSync(DENO, ['--version'], { encoding: 'utf8' }).split(' ')[1];


const TABLE = `CREATE TABLE users (local_id TEXT PRIMARY KEY NOT NULL, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
  middle_name TEXT NOT NULL, grade TEXT NOT NULL, building TEXT NOT NULL, email TEXT NOT NULL, username TEXT NOT NULL) STRICT;`;

/**
 * The secondary indexes idphotos keeps on `users` (search, photo matching hints, …), rewritten
 * for the reference table: columns the CSV has no value for (`active`) are left out.
 */
function equivalentIndexes(dir: string): string[] {
  const db = openDatabase(join(mkdtempSync(join(dir, 'schema-')), 'idphotos.db'));
  const sql = db.all<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users' AND sql IS NOT NULL").map((r) => r.sql);
  db.close();
  return sql.map((s) => `${s.replace(/\(active, /, '(')};`);
}

interface Run {
  seconds: number;
  /** User + system CPU: less sensitive than wall time to other work on the machine. */
  cpuSeconds: number;
  maxRssMb: number;
}

function sqliteImport(dir: string, csv: string, indexes: string[]): Run {
  const db = join(dir, `ref-${Math.random().toString(36).slice(2)}.db`);
  execFileSync('sqlite3', [db, 'PRAGMA journal_mode = WAL;', TABLE, ...indexes]);
  const started = performance.now();
  const res = spawnSync(requireProgram('time'), ['-f', '%U %S %M', 'sqlite3', db, '.mode csv', `.import --skip 1 ${csv} users`], { encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  if (res.status !== 0) throw new Error(`sqlite3 .import failed: ${res.stderr}`);
  const rows = execFileSync('sqlite3', [db, 'SELECT COUNT(*) FROM users']).toString().trim();
  if (Number(rows) !== ROWS) throw new Error(`sqlite3 imported ${rows} rows, not ${ROWS}`);
  const [user, sys, rssKb] = res.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { seconds, cpuSeconds: user! + sys!, maxRssMb: rssKb! / 1024 };
}

/**
 * Our import in a fresh process (its peak RSS is the import's), under Node or under Deno; `next`:
 * a second import, measured, in a process of its own.
 */
function ourImport(dir: string, csv: string, next?: string, runtime: 'node' | 'deno' = 'node'): Run {
  const dataDir = mkdtempSync(join(dir, 'data-'));
  const script = join(import.meta.dirname, 'roster-import-run.ts');
  const once = (file: string) => {
    const out = runtime === 'deno'
      ? execFileSync(DENO, ['run', '-A', script, dataDir, file], { encoding: 'utf8' })
      : execFileSync(process.execPath, ['--import', 'tsx', script, dataDir, file], { encoding: 'utf8' });
    return JSON.parse(out.trim().split('\n').at(-1)!) as Run & { status: string; added: number; updated: number };
  };
  let r = once(csv);
  if (r.status !== 'applied' || r.added !== ROWS) throw new Error(`the first import did not add every row: ${JSON.stringify(r)}`);
  if (next) {
    r = once(next);
    if (r.status !== 'applied' || r.updated !== Math.ceil(ROWS / 100)) throw new Error(`the nightly import did not update 1%: ${JSON.stringify(r)}`);
  }
  rmSync(dataDir, { recursive: true, force: true });
  return { seconds: r.seconds, cpuSeconds: r.cpuSeconds, maxRssMb: r.maxRssMb };
}

/**
 * The same two imports by the single executable (`idphotos import FILE`), each in a process of its
 * own, timed from outside by GNU time (so the wall time includes opening the appliance). The data
 * folder is opened once before the clock, as `ourImport`'s database exists before its clock.
 */
function exeImport(exe: string, dir: string, csv: string, next: string): { first: Run; nightly: Run } {
  const work = mkdtempSync(join(dir, 'exe-'));
  const config = join(work, 'appliance.toml');
  writeFileSync(config, `data_dir = "${join(work, 'data')}"\n[log]\nlevel = "warn"\n`);
  execFileSync(exe, ['imports', 'list', '--config', config]);
  const once = (file: string): Run & { out: string } => {
    const started = performance.now();
    const res = spawnSync(requireProgram('time'), ['-f', '%U %S %M', exe, 'import', file, '--config', config, '--json'], { encoding: 'utf8' });
    const seconds = (performance.now() - started) / 1000;
    if (res.status !== 0) throw new Error(`idphotos import failed: ${res.stderr}`);
    const [user, sys, rssKb] = res.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
    return { seconds, cpuSeconds: user! + sys!, maxRssMb: rssKb! / 1024, out: res.stdout };
  };
  const first = once(csv);
  if (JSON.parse(first.out).added !== ROWS) throw new Error(`the executable's first import did not add every row: ${first.out.slice(0, 500)}`);
  const nightly = once(next);
  if (JSON.parse(nightly.out).updated !== Math.ceil(ROWS / 100)) throw new Error(`the executable's nightly import did not update 1%: ${nightly.out.slice(0, 500)}`);
  rmSync(work, { recursive: true, force: true });
  return { first, nightly };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'idphotos-bench-roster-'));
try {
  const csv = join(dir, 'students.csv');
  makeRosterCsv(csv, ROWS);
  const nightly = join(dir, 'next', 'students.csv');
  mkdirSync(join(dir, 'next'));
  makeRosterCsv(nightly, ROWS, 100);
  const indexes = equivalentIndexes(dir);
  let exe = opts.exe;
  if (!exe) {
    exe = join(dir, 'idphotos');
    execFileSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'build-sea.mjs'), '--out', exe], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const exeFirst: Run[] = [];
  const exeNightly: Run[] = [];
  const ref: Run[] = [];
  const refIndexed: Run[] = [];
  const ours: Run[] = [];
  const again: Run[] = [];
  const deno: Run[] = [];
  const denoAgain: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    ref.push(sqliteImport(dir, csv, []));
    refIndexed.push(sqliteImport(dir, csv, indexes));
    ours.push(ourImport(dir, csv));
    deno.push(ourImport(dir, csv, undefined, 'deno'));
    again.push(ourImport(dir, csv, nightly));
    denoAgain.push(ourImport(dir, csv, nightly, 'deno'));
    const e = exeImport(exe, dir, csv, nightly);
    exeFirst.push(e.first);
    exeNightly.push(e.nightly);
  }
  const stats = (xs: Run[]) => ({ s: median(xs.map((x) => x.seconds)), cpu: median(xs.map((x) => x.cpuSeconds)), rss: Math.max(...xs.map((x) => x.maxRssMb)) });
  const r = stats(ref);
  const ri = stats(refIndexed);
  const o = stats(ours);
  const mb = (statSync(csv).size / 1024 / 1024).toFixed(1);
  console.log(`students.csv: ${ROWS.toLocaleString('en-US')} rows, ${mb} MB; median of ${RUNS} runs each, interleaved; peak RSS is the largest; Node ${process.versions.node}, Deno ${DENO_VERSION}`);
  console.log('');
  console.log('| | wall time | CPU time | peak RSS | idphotos ÷ this (wall / CPU) |');
  console.log('|---|---|---|---|---|');
  const row = (label: string, x: ReturnType<typeof stats>, ratio: string) => console.log(`| ${label} | ${x.s.toFixed(2)} s | ${x.cpu.toFixed(2)} s | ${x.rss.toFixed(0)} MB | ${ratio} |`);
  const ratio = (x: ReturnType<typeof stats>) => `${(o.s / x.s).toFixed(1)}× / ${(o.cpu / x.cpu).toFixed(1)}×`;
  row('sqlite3 CLI `.import` into a bare table (primary key only)', r, ratio(r));
  row(`sqlite3 CLI \`.import\` into a table with the same ${indexes.length} secondary indexes as \`users\``, ri, ratio(ri));
  row('idphotos import, fresh database (hash, decode, parse, validate, diff, apply, history)', o, '1.0×');
  row('idphotos nightly re-import (the same users, 1% changed)', stats(again), '');
  const d = stats(deno);
  const a = stats(again);
  const da = stats(denoAgain);
  const vsNode = (x: ReturnType<typeof stats>, node: ReturnType<typeof stats>) => `Deno ÷ Node: ${(x.s / node.s).toFixed(2)}× / ${(x.cpu / node.cpu).toFixed(2)}×`;
  row(`idphotos import under Deno ${DENO_VERSION} (node:sqlite), fresh database`, d, vsNode(d, o));
  row(`idphotos nightly re-import under Deno ${DENO_VERSION}`, da, vsNode(da, a));
  const ef = stats(exeFirst);
  const en = stats(exeNightly);
  row('`idphotos import` of the single executable, fresh database (whole process: opening the appliance included)', ef, '');
  row('`idphotos import` of the single executable, nightly re-import (whole process)', en, '');
  // targets table (bench/targets-lib.ts)
  reportTarget('roster-100k', { reference: `sqlite3 \`.import\` with ${indexes.length} indexes ${ri.s.toFixed(2)} s`, ours: `${o.s.toFixed(2)} s`, ratio: o.s / ri.s, value: o.s / ri.s, note: `${ROWS.toLocaleString('en-US')} rows, median of ${RUNS}` });
  // The executable is what ships; the tsx process's figure (its loader included) is beside it.
  reportTarget('roster-100k-rss', { reference: `sqlite3 ${ri.rss.toFixed(0)} MiB`, ours: `${ef.rss.toFixed(0)} MiB (\`idphotos import\` of the executable; the tsx process: ${o.rss.toFixed(0)} MiB)`, value: ef.rss, note: 'largest of the runs' });
  reportTarget('roster-nightly', { ours: `${a.s.toFixed(2)} s`, value: a.s, note: `${ROWS.toLocaleString('en-US')} rows, 1% changed` });
  console.log(`\nload average while measuring: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
