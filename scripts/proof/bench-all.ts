/**
 * `npm run bench`: runs every benchmark in bench/ one after another (each in its own process,
 * nothing else of ours running), keeps the Markdown tables each prints, and writes them into
 * the "One run of every benchmark" section of docs/BENCHMARKS.md, headed by a summary of every
 * ratio row. The convention for a benchmark: print Markdown tables on stdout, the reference row
 * (measured in the same run) first, each row's ratio as a cell like `1.3×`; progress on stderr.
 * A benchmark that measures one of the issue's targets also calls `reportTarget` (bench/targets-lib.ts),
 * which prints one JSON line; every target becomes a row of the targets table this prints at the end
 * and writes at the head of the section, "not measured" when no benchmark of the run reported it.
 *
 *   npm run bench                      # everything (tens of minutes on 2 cores)
 *   npm run bench -- --only load,startup
 *   npm run bench -- --quick           # smaller sizes, for trying the pipeline
 *   npm run bench -- --no-write        # print only
 *   npm run bench -- --from-last       # write the section again from the last run's outputs
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './lib/appliance.ts';
import { targetReports, targetsTable } from '../../bench/targets-lib.ts';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    /** Write the section again from the outputs the last run kept (no benchmark runs). */
    'from-last': { type: 'boolean', default: false },
  },
});

/** The outputs of the last run, kept so the section can be rewritten without running again. */
const LAST_RUN = join(tmpdir(), 'idphotos-bench-last-run.json');

/** Arguments for a whole run where a benchmark's default is not the size a target names. */
const FULL: Record<string, string[]> = {
  'roster-stall.ts': ['500000'],
};

/** Arguments for `--quick`; a benchmark not named here runs with its defaults. */
const QUICK: Record<string, string[]> = {
  'backup.ts': ['100', '1'],
  'growth.ts': ['--sizes', '1000,10000', '--no-png'],
  'startup.mjs': ['--runs', '5'],
  'sftp-batch.ts': ['--count', '200', '--runs', '1'],
  'photos-batch.ts': ['200'],
  'photos-latency.ts': ['50'],
  'roster-import.ts': ['20000', '1'],
  'roster-stall.ts': ['20000'],
  'web-search.ts': ['--users', '20000', '--requests', '300'],
  'web-photos.ts': ['--photos', '100', '--seconds', '5', '--rounds', '1'],
  'load.ts': ['--sessions', '5', '--photos', '40', '--web', '10', '--idle-seconds', '5'],
};

/** Every runnable benchmark: bench/*.ts|mjs except shared code (`*-lib`) and per-run helpers (`*-run`). */
export function benchmarks(dir = join(ROOT, 'bench')): string[] {
  return readdirSync(dir)
    .filter((f) => /\.(ts|mjs)$/.test(f) && !/-(lib|run)\.(ts|mjs)$/.test(f))
    .sort();
}

interface Run {
  file: string;
  code: number | null;
  seconds: number;
  stdout: string;
  stderr: string;
}

function runOne(file: string, args: string[]): Promise<Run> {
  const started = performance.now();
  const argv = file.endsWith('.ts') ? ['--import', 'tsx', join('bench', file), ...args] : [join('bench', file), ...args];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      process.stderr.write(d);
    });
    child.on('close', (code) => resolve({ file, code, seconds: (performance.now() - started) / 1000, stdout, stderr }));
  });
}

/** The Markdown tables of a benchmark's output, each with the paragraph of text just before it. */
export function tablesOf(stdout: string): string[] {
  const blocks: string[] = [];
  const lines = stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('|')) continue;
    let j = i;
    while (j < lines.length && lines[j]!.startsWith('|')) j++;
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    const caption: string[] = [];
    while (k >= 0 && lines[k]!.trim() !== '' && !lines[k]!.startsWith('|') && !lines[k]!.startsWith('{') && caption.length < 4) caption.unshift(lines[k--]!.trim());
    blocks.push(`${caption.length ? `${caption.join(' ')}\n\n` : ''}${lines.slice(i, j).join('\n')}`);
    i = j;
  }
  return blocks;
}

/**
 * For a benchmark that prints plain text instead of tables: its last paragraph (JSON lines
 * left out), shown as it is.
 */
export function lastParagraph(stdout: string): string {
  const paragraphs = stdout
    .split('\n')
    .filter((l) => !l.startsWith('{'))
    .join('\n')
    .trim()
    .split(/\n\s*\n/);
  return paragraphs[paragraphs.length - 1] ?? '';
}

/** Ratio rows of plain text: `name   …  1.23× …` (the name ends at the first run of two spaces). */
export function textRatioRows(text: string): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  for (const line of text.split('\n')) {
    const m = /^(\S.*?)\s{2,}.*?(\d+(?:\.\d+)?×)/.exec(line);
    if (m) rows.push([m[1]!.trim(), m[2]!]);
  }
  return rows;
}

/** Rows holding a ratio (`1.3×`, the first such cell after the row's name), as [name, ratio]. */
export function ratioRows(table: string): Array<[string, string]> {
  const rows: Array<[string, string]> = [];
  for (const line of table.split('\n')) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const ratio = cells.slice(1).find((c) => /^\d+(\.\d+)?×/.test(c));
    if (ratio) rows.push([cells[0]!, ratio]);
  }
  return rows;
}

const BEGIN = '<!-- npm run bench: begin -->';
const END = '<!-- npm run bench: end -->';

function section(runs: Run[], started: Date): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const out = [
    '## One run of every benchmark (`npm run bench`)',
    '',
    BEGIN,
    `Written by \`npm run bench\`${values.quick ? ' (`--quick`: reduced sizes)' : ''} on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC: ${availableParallelism()} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. Each benchmark ran alone, in the order below; every ratio compares with a reference measured in the same run of that benchmark.`,
    '',
    '### Targets',
    '',
    targetsOf(runs),
    '',
    '### Every ratio row',
    '',
    '| benchmark | row | ratio |',
    '|---|---|---|',
  ];
  for (const r of runs) {
    const tables = tablesOf(r.stdout);
    const rows = tables.length ? tables.flatMap(ratioRows) : textRatioRows(lastParagraph(r.stdout));
    for (const [row, ratio] of rows) out.push(`| ${r.file} | ${row.replace(/\|/g, '\\|')} | ${ratio} |`);
  }
  for (const r of runs) {
    out.push('', `### ${r.file} (${r.seconds.toFixed(0)} s${r.code === 0 ? '' : `, FAILED with exit code ${r.code}`})`, '');
    const tables = tablesOf(r.stdout);
    if (tables.length) out.push(tables.join('\n\n'));
    else out.push('```', lastParagraph(r.stdout) || '(no output)', '```');
    if (r.code !== 0) out.push('', '```', r.stderr.trim().split('\n').slice(-15).join('\n'), '```');
  }
  out.push(END);
  return out.join('\n');
}

/** The targets table of a run: every benchmark's target rows, in the order of TARGETS. */
function targetsOf(runs: Run[]): string {
  return targetsTable(runs.flatMap((r) => targetReports(r.stdout)));
}

/** Replaces (or appends) the generated section, leaving every other section alone. */
export function withSection(doc: string, text: string): string {
  const heading = '## One run of every benchmark';
  const start = doc.indexOf(heading);
  if (start === -1) return `${doc.trimEnd()}\n\n${text}\n`;
  const end = doc.indexOf(END, start);
  const after = end === -1 ? doc.indexOf('\n## ', start + 1) : end + END.length;
  return `${doc.slice(0, start)}${text}${after === -1 ? '\n' : doc.slice(after)}`;
}

const only = values.only?.split(',').map((s) => s.trim());
const list = benchmarks().filter((f) => !only || only.some((o) => f === o || f.replace(/\.(ts|mjs)$/, '') === o));
if (only && list.length === 0) throw new Error(`--only matched none of: ${benchmarks().join(', ')}`);
let started = new Date();
let runs: Run[] = [];
if (values['from-last']) {
  const last = JSON.parse(readFileSync(LAST_RUN, 'utf8')) as { started: string; quick: boolean; runs: Run[] };
  started = new Date(last.started);
  runs = last.runs;
  values.quick = last.quick;
} else {
  for (const file of list) {
    console.error(`\n=== bench/${file}`);
    runs.push(await runOne(file, values.quick ? (QUICK[file] ?? []) : (FULL[file] ?? [])));
  }
  writeFileSync(LAST_RUN, JSON.stringify({ started: started.toISOString(), quick: values.quick, runs }));
}
const text = section(runs, started);
console.log(`\nTargets (issue 17), this run${values.quick ? ' (--quick: reduced sizes)' : ''}:\n\n${targetsOf(runs)}`);
if (!values['no-write']) {
  const file = join(ROOT, 'docs', 'BENCHMARKS.md');
  writeFileSync(file, withSection(readFileSync(file, 'utf8'), text));
  console.error(`\nwrote the "One run of every benchmark" section of docs/BENCHMARKS.md`);
} else {
  console.log(`\n${text}`);
}
const failed = runs.filter((r) => r.code !== 0);
if (failed.length) {
  console.error(`failed: ${failed.map((r) => r.file).join(', ')}`);
  process.exitCode = 1;
}
