import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDay, resolveTimezone } from '../../src/shared/time.ts';
import { photo, sftpBatch, startHarness, tempDir, type Harness } from './harness.ts';

let h: Harness;
let local: string;

beforeAll(async () => {
  h = await startHarness('[roster]\nquiet_seconds = 0\nmax_error_percent = 50');
  local = tempDir('idphotos-reports-');
});
afterAll(async () => h?.stop());

describe('/reports/: what an unattended sftp -b script can read back', () => {
  it('lists per day and per session every file received with its outcome and reason, and each import\'s result', async () => {
    writeFileSync(join(local, 'students.csv'), 'Local ID,First Name,Last Name\r\nS1,Secretfirst,Secretlast\r\nS2,Ann,Lee\r\nS3,Bo,Day\r\nS4,Cy,Fox\r\n,No,Id\r\n');
    writeFileSync(join(local, 'S1.jpg'), await photo(1));
    writeFileSync(join(local, 'S1b.jpg'), await photo(2));
    writeFileSync(join(local, 'S99.jpg'), await photo(3));
    writeFileSync(join(local, 'S2.jpg'), Buffer.from('this is not a picture at all'));
    writeFileSync(join(local, 'notes.txt'), 'hello');
    const roster = await sftpBatch(h, ['put students.csv /incoming/data/'], local);
    expect(roster.code).toBe(0);
    await h.app.ctx.imports.idle();

    // One upload session, as a nightly job runs it; '-' lets the batch go on after a refusal.
    const batch = await sftpBatch(h, [
      'cd /incoming/idphotos',
      'put S1.jpg',
      'put S1b.jpg S1.jpg',
      'put S99.jpg',
      '-put S2.jpg',
      '-put notes.txt',
    ], local);
    expect(batch.stderr).toContain('Failure');

    const day = localDay(new Date(), resolveTimezone(''));
    const ls = await sftpBatch(h, ['cd /reports', 'ls -1']);
    expect(ls.code).toBe(0);
    const names = ls.stdout.split('\n').map((l) => l.trim()).filter((l) => /\.(csv|txt)$/.test(l));
    expect(names).toContain(`uploads-${day}.csv`);
    const sessions = names.filter((n) => n.startsWith('session-'));
    expect(sessions).toHaveLength(2);
    const imports = names.filter((n) => n.startsWith('import-'));
    expect(imports).toEqual(['import-1-students.txt']);

    const got = tempDir('idphotos-reports-got-');
    const get = await sftpBatch(h, ['cd /reports', `get uploads-${day}.csv`, 'get session-*.csv', 'get import-1-students.txt'], got);
    expect(get.code).toBe(0);
    expect(readdirSync(got).sort()).toEqual([...sessions, 'import-1-students.txt', `uploads-${day}.csv`].sort());

    const dayCsv = readFileSync(join(got, `uploads-${day}.csv`), 'utf8').trim().split('\r\n');
    expect(dayCsv[0]).toBe('"Received","Account","Folder","File","Bytes","Outcome","Reason"');
    const outcome = (file: string, lines = dayCsv) => lines.filter((l) => l.includes(`"${file}"`)).map((l) => {
      const cells = l.slice(1, -1).split('","');
      return [cells[5], cells[6]];
    });
    expect(outcome('students.csv')[0]![0]).toBe('stored');
    expect(outcome('S1.jpg')).toEqual([
      ['stored', ''],
      ['replaced', 'the new current photo of S1; the one before stays in its history'],
    ]);
    expect(outcome('S99.jpg')).toEqual([['waiting for its user', 'no user has Local ID S99 yet: the photo is kept and shown once a roster import brings that ID']]);
    const [bad] = outcome('S2.jpg');
    expect(bad![0]).toBe('refused');
    expect(bad![1]).toMatch(/not a JPEG|damaged|not an image|cannot be read/i);
    const [txt] = outcome('notes.txt');
    expect(txt![0]).toBe('refused');
    expect(txt![1]).toContain('notes.txt');

    // The photo batch's session file has exactly its five files.
    const batchSession = sessions.map((s) => readFileSync(join(got, s), 'utf8').trim().split('\r\n')).find((l) => l.some((x) => x.includes('"S99.jpg"')))!;
    expect(batchSession).toHaveLength(6);

    const result = readFileSync(join(got, 'import-1-students.txt'), 'utf8');
    expect(result).toContain('import 1 students.csv: applied\r\n');
    expect(result).toContain('rows: 5; added 4, updated 0, unchanged 0, deactivated 0, reactivated 0, not imported 0, errors 1');
    expect(result).toContain('line 6: Local ID is empty');

    // Nothing beyond Local IDs, file names and reasons: no names from the roster.
    for (const f of readdirSync(got)) expect(readFileSync(join(got, f), 'utf8')).not.toMatch(/Secretfirst|Secretlast/);
  });

  it('is read-only: uploads, removals and folders are refused with the reason', async () => {
    writeFileSync(join(local, 'x.csv'), 'a');
    const res = await sftpBatch(h, ['-put x.csv /reports/x.csv', '-put x.csv /reports/x.csv.filepart', '-rm /reports/import-1-students.txt', '-mkdir /reports/sub', 'ls /reports'], local);
    expect(res.stderr).toMatch(/reports\/x\.csv.*(Failure|Permission denied)/);
    expect(res.stdout).toContain('import-1-students.txt');
    const text = JSON.stringify((await import('./harness.ts')).logs);
    expect(text).toContain('/reports/ is read-only');
  });

  it('lists at most 14 days and 50 sessions however many there were', async () => {
    for (let i = 0; i < 60; i++) {
      const day = `2026-01-${String((i % 28) + 1).padStart(2, '0')}`;
      h.app.storage.uploadReports.insertUploadReport({
        session: `20260101T0000${String(i).padStart(2, '0')}Z-${900 + i}`, account: 'district', received_at: `${day}T08:00:00.000Z`, day,
        folder: 'idphotos', file: `S${i}.jpg`, bytes: 1, outcome: 'stored', reason: '',
      });
    }
    const ls = await sftpBatch(h, ['ls -1 /reports']);
    const names = ls.stdout.split('\n').map((l) => l.trim().replace(/^\/reports\//, ''));
    expect(names.filter((n) => n.startsWith('uploads-'))).toHaveLength(14);
    expect(names.filter((n) => n.startsWith('session-'))).toHaveLength(50);
  });
});
