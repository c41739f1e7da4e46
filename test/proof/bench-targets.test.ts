import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportTarget, targetReports, targetsTable, TARGETS } from '../../bench/targets-lib.ts';

/** The row of the targets table whose first cell is `target`'s words. */
function rowOf(table: string, id: string): string[] {
  const words = TARGETS.find((t) => t.id === id)!.target.replace(/\|/g, '\\|');
  const line = table.split('\n').find((l) => l.startsWith(`| ${words} |`));
  if (!line) throw new Error(`no row for ${id} in\n${table}`);
  return line.split(' | ').map((c) => c.replace(/^\| |\s\|$/g, '').trim());
}

describe('the targets table of npm run bench', () => {
  afterEach(() => vi.restoreAllMocks());

  it('has a row for every target, "not measured" where no benchmark reported one', () => {
    const table = targetsTable([]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(TARGETS.length + 2);
    for (const t of TARGETS) expect(rowOf(table, t.id).at(-1)).toBe('not measured');
  });

  it('reads the JSON lines benchmarks print between their other output, and judges each against its target', () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((s: string) => void lines.push(s));
    reportTarget('exe-start', { reference: '`node -e 0` 60 ms', ours: '176 ms', ratio: 176 / 60, value: 176 });
    reportTarget('web-images', { reference: 'nginx 100 req/s', ours: '70 req/s', ratio: 0.7, value: 0.7 });
    reportTarget('roster-100k-rss', { ours: '99 MiB', value: 99, note: 'largest of the runs' });
    const stdout = ['| a | b |', '|---|---|', ...lines, '{"benchTarget": cut short', '{"other":1}', 'plain text'].join('\n');

    const reports = targetReports(stdout);
    expect(reports.map((r) => r.id)).toEqual(['exe-start', 'web-images', 'roster-100k-rss']);
    const table = targetsTable(reports);
    expect(rowOf(table, 'exe-start')).toEqual(['Executable: ≤ 150 ms exec → `/healthz`', '`node -e 0` 60 ms', '176 ms', '2.93×', '**not met**']);
    // ≥ 0.7× is met at exactly 0.7×; an absolute target has no ratio and shows its note.
    expect(rowOf(table, 'web-images').at(-1)).toBe('**met**');
    expect(rowOf(table, 'roster-100k-rss')).toEqual(['100,000 rows: peak RSS ≤ 100 MiB', '—', '99 MiB (largest of the runs)', '', '**met**']);
    expect(rowOf(table, 'growth-1m-start').at(-1)).toBe('not measured');
  });

  it('shows the last report of a target measured twice, and refuses an id the issue does not have', () => {
    const table = targetsTable([
      { id: 'roster-nightly', ours: '0.50 s', value: 0.5 },
      { id: 'roster-nightly', ours: '0.25 s', value: 0.25 },
    ]);
    expect(rowOf(table, 'roster-nightly').slice(2)).toEqual(['0.25 s', '', '**met**']);
    expect(() => reportTarget('no-such-target', { ours: '1', value: 1 })).toThrow(/unknown benchmark target/);
  });
});
