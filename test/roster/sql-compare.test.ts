import { afterEach, describe, expect, it } from 'vitest';
import { COMPARE_CHUNK } from '../../src/domain/roster/staged-plan.ts';
import { csvCell, makeEnv, numbered, students, type Env } from './helpers.ts';

/**
 * The nightly comparison runs in SQLite (storage/roster-compare.ts), a range of Local IDs at a
 * time; these imports cross many ranges and check that every person is counted exactly once.
 */
let env: Env;
afterEach(() => env?.close());

const importStudents = (rows: string[][], header?: string) => env.roster.importFile({ path: env.file('students.csv', students(rows, header)), origin: 'test' });

function staffCsv(ids: string[]): string {
  return ['Local ID,First Name,Last Name', ...ids.map((id) => `${csvCell(id)},Staff,Member`)].join('\r\n') + '\r\n';
}

describe('the comparison of a nightly import', () => {
  it('counts each person once across ranges that another file\'s people fill, and deactivates only its own missing', async () => {
    env = makeEnv('[roster]\ndeactivate_missing = ["students"]\nhold_change_percent = 100\nhold_deactivate_percent = 100');
    const n = COMPARE_CHUNK * 2 + 123;
    // Staff IDs sort between the students' (S00001, S00001x, S00002, …): ranges hold both.
    const staffIds = numbered(n).map((r) => `${r[0]}x`);
    expect(await env.roster.importFile({ path: env.file('staff.csv', staffCsv(staffIds)), origin: 'test' })).toMatchObject({ status: 'applied', added: n });
    const first = numbered(n);
    expect(await importStudents(first)).toMatchObject({ status: 'applied', added: n });
    const next = numbered(n).filter((_, i) => i % 500 !== 7); // some leave
    for (let i = 0; i < next.length; i += 97) next[i]![4] = '11'; // some change grade
    next.push(...numbered(5, n + 1)); // some arrive
    const changed = Math.ceil(next.length / 97) - 0;
    const left = first.length - (next.length - 5);
    const rec = await importStudents(next);
    expect(rec).toMatchObject({ status: 'applied', added: 5, updated: changed, deactivated: left, unchanged: next.length - 5 - changed, error_count: 0 });
    expect(env.count("role = 'staff' AND active = 1")).toBe(n);
    expect(env.count("role = 'student' AND active = 0")).toBe(left);
    expect(env.user('S00001')).toMatchObject({ grade: '11' });
    // The same people again, in another file's byte order: nothing to do.
    const again = await importStudents([...next].reverse());
    expect(again).toMatchObject({ status: 'applied', added: 0, updated: 0, deactivated: 0, unchanged: next.length });
  });

  it('compares only the columns the file has: a column it lacks keeps the stored value and is no change', async () => {
    env = makeEnv();
    const rows = numbered(30).map((r) => { r[3] = 'Mid'; return r; });
    await importStudents(rows);
    const short = rows.map((r) => [r[0]!, r[1]!, r[2]!, r[4]!]);
    short[3]![3] = '09';
    const rec = await importStudents(short, 'Local ID,First Name,Last Name,Grade');
    expect(rec).toMatchObject({ status: 'applied', updated: 1, unchanged: 29 });
    expect(env.user('S00004')).toMatchObject({ grade: '09', middle_name: 'Mid' });
    expect(env.user('S00005')).toMatchObject({ middle_name: 'Mid', email: 's00005@example.org' });
  });

  it('compares values as imported (normalised): an opt-out written another way is no change, a new one is', async () => {
    env = makeEnv();
    const header = 'Local ID,First Name,Last Name,Photo Opt Out';
    await importStudents([['1', 'A', 'B', 'yes'], ['2', 'C', 'D', 'no'], ['3', 'E', 'F', '']], header);
    const rec = await importStudents([['1', 'A', 'B', 'Y'], ['2', 'C', 'D', 'false'], ['3', 'E', 'F', 'true']], header);
    expect(rec).toMatchObject({ status: 'applied', updated: 1, unchanged: 2 });
    expect(env.user('3')).toMatchObject({ opt_out: 1 });
  });

  it('compares each person once when Local IDs hold characters beyond U+FFFF and of the private-use area (UTF-8 and UTF-16 order them differently)', async () => {
    env = makeEnv('[roster]\nhold_change_percent = 100');
    const n = COMPARE_CHUNK + 500;
    const id = (i: number) => `P${String(i).padStart(5, '0')}${i % 2 ? '\u{1F600}' : '\uE000'}`;
    // Another file's people in the same ranges, so both sides bound a range.
    await env.roster.importFile({ path: env.file('staff.csv', staffCsv(Array.from({ length: n }, (_, i) => `${id(i)}s`))), origin: 'test' });
    const rows = Array.from({ length: n }, (_, i) => [id(i), `F${i}`, `L${i}`, '', '05', 'N', '', '']);
    expect(await importStudents(rows)).toMatchObject({ status: 'applied', added: n });
    rows[n - 1]![4] = '06';
    expect(await importStudents(rows)).toMatchObject({ status: 'applied', added: 0, updated: 1, unchanged: n - 1, error_count: 0 });
  });
});
