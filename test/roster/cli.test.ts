import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, numbered, students } from './fixtures.ts';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../../bin/idphotos.js');
let dir: string;
let config: string;

/** Runs the real CLI and resolves with its exit code and output (never rejects). */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args, '--config', config], { cwd: dir });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'idphotos-roster-cli-'));
  config = join(dir, 'appliance.toml');
  writeFileSync(config, 'data_dir = "data"\n[log]\nlevel = "info"\n[roster]\ndeactivate_missing = ["students"]\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('idphotos import / imports', () => {
  it('imports, holds, approves, discards and refuses through the command line', async () => {
    const file = join(dir, 'students.csv');
    const rows = numbered(30);
    rows[0]![1] = 'Zoë';
    rows[0]![2] = "O'Brien";
    writeFileSync(file, encode(students(rows), 'windows-1252'));
    const first = await cli('import', file);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('import 1 students.csv (idphotos students): applied\n  30 added, 0 updated, 0 unchanged, 0 deactivated, 0 errors\n');

    const again = await cli('import', file);
    expect(again.stdout).toBe('import 2 students.csv (idphotos students): applied — same content as import 1: nothing changed\n  0 added, 0 updated, 30 unchanged, 0 deactivated, 0 errors\n');

    writeFileSync(file, students(numbered(10)));
    const held = await cli('import', file);
    expect(held.code).toBe(0);
    expect(held.stdout).toContain('import 3 students.csv (idphotos students): held — would deactivate 20 of 30 active users from students.csv');
    expect(held.stdout).toContain('approve: idphotos imports approve 3    discard: idphotos imports discard 3');

    const list = await cli('imports', 'list', '--json');
    expect(JSON.parse(list.stdout).map((r: { id: number; status: string }) => [r.id, r.status])).toEqual([[3, 'held'], [2, 'applied'], [1, 'applied']]);

    const approved = await cli('imports', 'approve', '3');
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(/^import 3 students.csv \(idphotos students\): applied\n  0 added, 1 updated, 9 unchanged, 20 deactivated, 0 errors\n$/);
    expect((await cli('imports', 'discard', '3')).stderr).toBe('idphotos imports: import 3 is applied, not held: only a held import can be approved or discarded\n');

    writeFileSync(file, students(numbered(30)));
    const back = await cli('import', file);
    expect(back.stdout).toContain('0 added, 20 updated, 10 unchanged, 0 deactivated (20 back), 0 errors');
    writeFileSync(file, students(numbered(30, 1, '06')));
    expect((await cli('import', file)).stdout).toContain('held — would change 30 of 30');
    const discarded = await cli('imports', 'discard', '5');
    expect(discarded.stdout).toMatch(/^import 5 students.csv \(idphotos students\): discarded — discarded by cli:/);

    writeFileSync(file, '');
    const refused = await cli('import', file);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('import 6 students.csv: refused — the file is empty (0 bytes): the export produced nothing\n');
    expect(JSON.parse(refused.stderr.trim().split('\n').at(-1)!)).toMatchObject({ level: 'warn', import: 6, reason: 'the file is empty (0 bytes): the export produced nothing' });
    // NB: ten commands, each building the whole appliance (createApp) in a fresh process: on a
    // busy machine that is more than the default minute.
  }, 180_000);

  it('needs --kind for other names and rejects bad arguments with exit code 2', async () => {
    const other = join(dir, 'export-2024.csv');
    writeFileSync(other, 'Staff ID,First Name,Last Name\r\n0042,Ann,Lee\r\n');
    const noKind = await cli('import', other);
    expect(noKind.code).toBe(1);
    expect(noKind.stderr).toMatch(/"export-2024.csv" is not a roster file name idphotos knows .*--kind students\|staff\|oneroster/);
    expect((await cli('import', other, '--kind', 'teachers')).code).toBe(2);
    const ok = await cli('import', other, '--kind', 'staff');
    expect(ok.stdout).toBe('import 7 export-2024.csv (idphotos staff): applied\n  1 added, 0 updated, 0 unchanged, 0 deactivated, 0 errors\n');
    expect((await cli('imports', 'approve')).code).toBe(2);
    expect((await cli('imports', 'show', '999')).stderr).toBe('idphotos imports: there is no import 999\n');
  });
});
