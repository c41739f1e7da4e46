import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { denoBinary, ROOT } from './tools.ts';

const dirs: string[] = [];
const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'idphotos-deno-db-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const underNode = (script: string, ...args: string[]) => JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test/deno', script), ...args], { cwd: ROOT, encoding: 'utf8' }));
const underDeno = (script: string, ...args: string[]) => JSON.parse(execFileSync(denoBinary(), ['run', '-A', join(ROOT, 'test/deno', script), ...args], { cwd: ROOT, encoding: 'utf8' }));

describe('the two SQLite drivers behind src/storage/db.ts', () => {
  it('give the same pragmas, transactions, savepoints and error codes (busy, full disk, read-only, constraints)', () => {
    const node = underNode('db-probe.ts', temp());
    const deno = underDeno('db-probe.ts', temp());
    expect(node.driver).toBe('better-sqlite3');
    expect(deno.driver).toBe('node:sqlite');
    expect({ ...deno, driver: undefined }).toEqual({ ...node, driver: undefined });
    expect(node).toMatchObject({
      pragmas: ['wal', 2, 1, 5000, -16000],
      syncInside: 1,
      syncAfter: 2,
      afterSavepoint: ['outer', 'kept'],
      busy: 'SQLITE_BUSY',
      readonly: ['SQLITE_READONLY', 'SQLITE_READONLY'],
      full: ['SQLITE_FULL', 'SQLITE_FULL'],
    });
  });

  it('open one database file in turn: each reads what the other wrote', () => {
    const dir = temp();
    const first = underNode('cross-open.ts', dir, 'N1');
    const second = underDeno('cross-open.ts', dir, 'D1');
    const third = underNode('cross-open.ts', dir, 'N2');
    expect(first).toMatchObject({ driver: 'better-sqlite3', ids: ['N1'], integrity: 'ok' });
    expect(second).toMatchObject({ driver: 'node:sqlite', ids: ['N1', 'D1'], migrations: first.migrations, integrity: 'ok' });
    expect(third).toMatchObject({ ids: ['N1', 'D1', 'N2'], integrity: 'ok' });
  });
});
