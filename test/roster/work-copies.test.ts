import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDeadWorkCopies, takeWorkCopy } from '../../src/domain/roster/work-copies.ts';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('work copies of data files', () => {
  it('copies the file and the companions that exist, and keeps the copy when the upload is replaced', () => {
    dir = mkdtempSync(join(tmpdir(), 'idphotos-work-'));
    mkdirSync(join(dir, 'in'));
    writeFileSync(join(dir, 'in', 'users.csv'), 'v1');
    writeFileSync(join(dir, 'in', 'manifest.csv'), 'm');
    const work = takeWorkCopy(join(dir, 'work'), join(dir, 'in', 'users.csv'), 'users.csv', ['manifest.csv', 'orgs.csv']);
    expect(readdirSync(work).sort()).toEqual(['manifest.csv', 'users.csv']);
    // An upload replaces the file by rename: the work copy keeps what was there when it was taken.
    writeFileSync(join(dir, 'in', 'users.csv.new'), 'v2');
    rmSync(join(dir, 'in', 'users.csv'));
    expect(readFileSync(join(work, 'users.csv'), 'utf8')).toBe('v1');
  });

  it('removes only the copies of processes that are gone (a CLI import running beside a start keeps its copy)', () => {
    dir = mkdtempSync(join(tmpdir(), 'idphotos-work-'));
    const root = join(dir, 'work');
    writeFileSync(join(dir, 'students.csv'), 'x');
    const live = takeWorkCopy(root, join(dir, 'students.csv'), 'students.csv');
    const gone = spawnSync('true').pid;
    mkdirSync(join(root, `${gone}-cut-off`));
    mkdirSync(join(root, 'no-owner'));
    expect(removeDeadWorkCopies(root)).toBe(2);
    expect(readdirSync(root)).toEqual([live.slice(root.length + 1)]);
    expect(existsSync(join(live, 'students.csv'))).toBe(true);
  });
});
