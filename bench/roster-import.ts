/**
 * Roster import benchmark: a 100,000-row students.csv validated and applied end to end
 * (fresh database, one process per run) against the sqlite3 CLI `.import` of the same file
 * into an equivalent table, in the same run. Prints a Markdown table for docs/BENCHMARKS.md.
 *
 *   node --import tsx bench/roster-import.ts [rows] [runs]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROWS = Number(process.argv[2] ?? 100_000);
const RUNS = Number(process.argv[3] ?? 5);
const FIRST = ['José', 'Zoë', 'Thảo', 'Mary', 'Liam', 'Ava', 'Noah', 'Olivia', 'Elijah', 'Sofía'];
const LAST = ["O'Brien", 'Nguyễn', 'Smith-Jones', 'García', 'Johnson', 'Williams', 'Brown', 'Müller', 'Lee', 'Patel'];
const BUILDINGS = ['Lincoln Elementary', 'Roosevelt Middle', 'Central High', 'Washington Elementary'];

function makeCsv(path: string): void {
  const lines = ['Local ID,First Name,Last Name,Middle Name,Grade,Building,Email,Username'];
  for (let i = 0; i < ROWS; i++) {
    const id = String(100000 + i).padStart(8, '0');
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[(i * 7) % LAST.length]!;
    lines.push(`${id},${first},"${last}",${i % 3 ? '' : 'A'},${String((i % 12) + 1).padStart(2, '0')},${BUILDINGS[i % 4]},s${id}@example.org,s${id}`);
  }
  writeFileSync(path, `${lines.join('\r\n')}\r\n`);
}

const TABLE = `CREATE TABLE users (local_id TEXT PRIMARY KEY NOT NULL, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
  middle_name TEXT NOT NULL, grade TEXT NOT NULL, building TEXT NOT NULL, email TEXT NOT NULL, username TEXT NOT NULL) STRICT;`;

function sqliteImport(dir: string, csv: string): { seconds: number; maxRssMb: number } {
  const db = join(dir, `ref-${Math.random().toString(36).slice(2)}.db`);
  execFileSync('sqlite3', [db, 'PRAGMA journal_mode = WAL;', TABLE]);
  const started = performance.now();
  const res = spawnSync('/usr/bin/time', ['-f', '%M', 'sqlite3', db, '.mode csv', `.import --skip 1 ${csv} users`], { encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  if (res.status !== 0) throw new Error(`sqlite3 .import failed: ${res.stderr}`);
  const rows = execFileSync('sqlite3', [db, 'SELECT COUNT(*) FROM users']).toString().trim();
  if (Number(rows) !== ROWS) throw new Error(`sqlite3 imported ${rows} rows, not ${ROWS}`);
  return { seconds, maxRssMb: Number(res.stderr.trim().split('\n').at(-1)) / 1024 };
}

function ourImport(dir: string, csv: string): { seconds: number; maxRssMb: number } {
  const dataDir = mkdtempSync(join(dir, 'data-'));
  const started = performance.now();
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'roster-import-run.ts'), dataDir, csv], { encoding: 'utf8' });
  const wall = (performance.now() - started) / 1000;
  const r = JSON.parse(out.trim().split('\n').at(-1)!) as { seconds: number; maxRssMb: number; status: string; added: number };
  if (r.status !== 'applied' || r.added !== ROWS) throw new Error(`import did not apply every row: ${out}`);
  rmSync(dataDir, { recursive: true, force: true });
  return { seconds: r.seconds, maxRssMb: r.maxRssMb, wall } as { seconds: number; maxRssMb: number };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = mkdtempSync(join(tmpdir(), 'idphotos-bench-roster-'));
try {
  const csv = join(dir, 'students.csv');
  makeCsv(csv);
  const ref: { seconds: number; maxRssMb: number }[] = [];
  const ours: { seconds: number; maxRssMb: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    ref.push(sqliteImport(dir, csv));
    ours.push(ourImport(dir, csv));
  }
  const r = { s: median(ref.map((x) => x.seconds)), rss: Math.max(...ref.map((x) => x.maxRssMb)) };
  const o = { s: median(ours.map((x) => x.seconds)), rss: Math.max(...ours.map((x) => x.maxRssMb)) };
  const mb = (statSync(csv).size / 1024 / 1024).toFixed(1);
  console.log(`students.csv: ${ROWS.toLocaleString('en-US')} rows, ${mb} MB; median of ${RUNS} runs each, alternating`);
  console.log('');
  console.log('| | wall time | peak RSS |');
  console.log('|---|---|---|');
  console.log(`| sqlite3 CLI \`.import\` (reference) | ${r.s.toFixed(2)} s | ${r.rss.toFixed(0)} MB |`);
  console.log(`| idphotos import (decode, validate, diff, apply, history) | ${o.s.toFixed(2)} s | ${o.rss.toFixed(0)} MB |`);
  console.log(`| ratio | ${(o.s / r.s).toFixed(1)}× | ${(o.rss / r.rss).toFixed(1)}× |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
