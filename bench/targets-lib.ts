/**
 * The targets of issue 17 (and issue 12's roster item), one row each, and the one way a benchmark reports a measurement
 * against one: `reportTarget(id, …)` prints a single JSON line on stdout, which
 * `npm run bench` (scripts/proof/bench-all.ts) collects from every benchmark's output and
 * turns into one targets table. A target no benchmark reported in a run stays in the table as
 * "not measured", so a missing measurement is seen rather than silently dropped.
 *
 * A target is met when its `value` is at most `max` (or at least `min`): a ratio to the
 * reference measured in the same run (unit `×`) or an absolute quantity (ms, MiB, s).
 */

export interface Target {
  id: string;
  /** What the issue asks, in its words. */
  target: string;
  /** The benchmark that measures it. */
  bench: string;
  unit: '×' | 'ms' | 'MiB' | 's';
  max?: number;
  min?: number;
}

export const TARGETS: readonly Target[] = [
  { id: 'batch-1-fsync', target: '1000 photos, one client: ≤ 1.0× OpenSSH with `put -f`', bench: 'photos-batch.ts', unit: '×', max: 1.0 },
  { id: 'batch-1-plain', target: '1000 photos, one client: ≤ 1.5× plain OpenSSH', bench: 'photos-batch.ts', unit: '×', max: 1.5 },
  { id: 'batch-1-visible', target: '1000 photos, one client: last photo visible ≤ 50 ms after the batch', bench: 'photos-batch.ts', unit: 'ms', max: 50 },
  { id: 'batch-4-plain', target: '1000 photos, 4 clients: ≤ 1.5× OpenSSH', bench: 'photos-batch.ts', unit: '×', max: 1.5 },
  { id: 'batch-4-ready', target: '1000 photos, 4 clients: every display size ready ≤ 1 s after the last close', bench: 'photos-batch.ts', unit: 'ms', max: 1000 },
  { id: 'web-images', target: 'Display images (signed in) ≥ 0.7× nginx, same file', bench: 'web-photos.ts', unit: '×', min: 0.7 },
  { id: 'search-under-batch', target: 'Search p95 ≤ 20 ms while a 4-client batch uploads', bench: 'web-search-upload.ts', unit: 'ms', max: 20 },
  { id: 'roster-100k', target: '100,000 rows: ≤ 1.0× sqlite3 `.import` into the same indexes', bench: 'roster-import.ts', unit: '×', max: 1.0 },
  { id: 'roster-100k-rss', target: '100,000 rows: peak RSS ≤ 100 MiB', bench: 'roster-import.ts', unit: 'MiB', max: 100 },
  { id: 'roster-nightly', target: 'Nightly 1%-change import ≤ 0.3 s', bench: 'roster-import.ts', unit: 's', max: 0.3 },
  { id: 'exe-start', target: 'Executable: ≤ 150 ms exec → `/healthz`', bench: 'startup.mjs', unit: 'ms', max: 150 },
  { id: 'exe-rss', target: 'Executable: idle RSS ≤ 64 MiB', bench: 'startup.mjs', unit: 'MiB', max: 64 },
  { id: 'growth-1m-start', target: 'A 1M-photo district starts in ≤ 2 s', bench: 'growth.ts', unit: 'ms', max: 2000 },
  // Issue 12's roster item, measured in a running appliance.
  { id: 'roster-500k-rss', target: '500,000-row roster import in the running appliance: peak RSS ≤ 256 MiB', bench: 'roster-stall.ts', unit: 'MiB', max: 256 },
  { id: 'roster-500k-stall', target: '500,000-row roster import (first and nightly): no event-loop stall over 100 ms', bench: 'roster-stall.ts', unit: 'ms', max: 100 },
];

export interface TargetMeasurement {
  /** The reference measured in the same run, as shown (e.g. "OpenSSH `put -f` 1.55 s"); absent when the target is absolute. */
  reference?: string;
  /** Ours, as shown (e.g. "1.62 s"). */
  ours: string;
  /** The number compared with the target, in the target's unit. */
  value: number;
  /** Ours ÷ the reference, when there is one. */
  ratio?: number;
  /** How it was measured, when the row's words do not say it (shown after the result). */
  note?: string;
}

export interface TargetReport extends TargetMeasurement {
  id: string;
}

/** The key of the JSON line a benchmark prints; bench-all.ts looks for lines that start with it. */
const KEY = 'benchTarget';

export function targetById(id: string): Target {
  const t = TARGETS.find((x) => x.id === id);
  if (!t) throw new Error(`unknown benchmark target ${id}; known: ${TARGETS.map((x) => x.id).join(', ')}`);
  return t;
}

/** Prints one target row as a JSON line on stdout (the Markdown tables are left as they are). */
export function reportTarget(id: string, m: TargetMeasurement): void {
  targetById(id);
  console.log(JSON.stringify({ [KEY]: { id, ...m } satisfies TargetReport }));
}

/** Every target row a benchmark's stdout holds, in order. Lines that are not target rows are skipped. */
export function targetReports(stdout: string): TargetReport[] {
  const out: TargetReport[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(`{"${KEY}"`)) continue;
    try {
      const r = (JSON.parse(line) as Record<string, TargetReport>)[KEY];
      if (r && typeof r.id === 'string' && typeof r.value === 'number') out.push(r);
    } catch {
      // a line cut short by a crash: not a row
    }
  }
  return out;
}

export function isMet(t: Target, value: number): boolean {
  return (t.max === undefined || value <= t.max) && (t.min === undefined || value >= t.min);
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * The targets table: every target of the issue, in the order, with the last report of
 * it (a benchmark reports again when it measures again). Reports of unknown ids are ignored.
 */
export function targetsTable(reports: TargetReport[]): string {
  const lines = ['| target | reference (same run) | idphotos | ratio | met |', '|---|---|---|---|---|'];
  for (const t of TARGETS) {
    const r = reports.filter((x) => x.id === t.id).at(-1);
    if (!r) {
      lines.push(`| ${cell(t.target)} | | not measured (${t.bench}) | | not measured |`);
      continue;
    }
    const ours = r.note ? `${r.ours} (${r.note})` : r.ours;
    const ratio = r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`;
    lines.push(`| ${cell(t.target)} | ${cell(r.reference ?? '—')} | ${cell(ours)} | ${ratio} | ${isMet(t, r.value) ? '**met**' : '**not met**'} |`);
  }
  return lines.join('\n');
}
