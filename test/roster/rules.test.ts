import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { logs, makeEnv, numbered, students, type Env } from './helpers.ts';

let env: Env;
afterEach(() => env?.close());

const importStudents = (rows: string[][], name = 'students.csv') =>
  env.roster.importFile({ path: env.file(name, students(rows)), origin: 'test' });

describe('applying a roster', () => {
  it('adds, updates and leaves the rest, and the same content again is a recorded no-op', async () => {
    env = makeEnv();
    const first = await importStudents(numbered(20));
    expect(first).toMatchObject({ status: 'applied', added: 20, updated: 0, unchanged: 0, rows: 20, format: 'idphotos students' });
    const changed = numbered(21);
    changed[0]![4] = '06';
    const second = await importStudents(changed);
    expect(second).toMatchObject({ status: 'applied', added: 1, updated: 1, unchanged: 19, deactivated: 0 });
    expect(env.user('S00001')).toMatchObject({ grade: '06' });
    const before = env.db.get('SELECT updated_at FROM users WHERE local_id = ?', 'S00002');
    const again = await importStudents(changed);
    expect(again).toMatchObject({ status: 'applied', added: 0, updated: 0, deactivated: 0, unchanged: 21, rows: 21, sha256: second.sha256 });
    expect(again.reason).toBe(`same content as import ${second.id}: nothing changed`);
    expect(env.db.get('SELECT updated_at FROM users WHERE local_id = ?', 'S00002')).toEqual(before);
    expect(env.roster.listImports().map((r) => r.status)).toEqual(['applied', 'applied', 'applied']);
  });

  it('leaves missing users alone unless deactivate_missing names the kind; never deletes', async () => {
    env = makeEnv();
    await importStudents(numbered(20));
    const rec = await importStudents(numbered(19));
    expect(rec).toMatchObject({ status: 'applied', deactivated: 0 });
    expect(env.user('S00020')).toMatchObject({ active: 1 });
    env.close();

    env = makeEnv('[roster]\ndeactivate_missing = ["students"]');
    await importStudents(numbered(20));
    const gone = await importStudents(numbered(19));
    expect(gone).toMatchObject({ status: 'applied', deactivated: 1 });
    expect(env.user('S00020')).toMatchObject({ active: 0, first_name: 'First20' });
    expect(env.user('S00020')!.deactivated_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const back = await importStudents(numbered(20));
    expect(back).toMatchObject({ status: 'applied', updated: 1, reactivated: 1, deactivated: 0 });
    expect(env.user('S00020')).toMatchObject({ active: 1, deactivated_at: null });
    expect(env.count()).toBe(20);
  });

  it('deactivates only users that came from the same file', async () => {
    env = makeEnv('[roster]\ndeactivate_missing = ["staff"]');
    await env.roster.importFile({ path: env.file('teachers.csv', 'Local ID,First Name,Last Name\r\nT1,Tia,Teach\r\n'), origin: 'test' });
    await env.roster.importFile({ path: env.file('staff.csv', 'Local ID,First Name,Last Name\r\nF1,Fay,Office\r\nF2,Gus,Office\r\n'), origin: 'test' });
    const rec = await env.roster.importFile({ path: env.file('staff.csv', 'Local ID,First Name,Last Name\r\nF1,Fay,Office\r\nF2,Gus,Office\r\nF3,New,Hire\r\n'), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', added: 1, deactivated: 0 });
    expect(env.user('T1')).toMatchObject({ active: 1, role: 'staff', source: 'teachers.csv' });
  });

  it('refuses a row whose Local ID is an active user of the other role, and says why', async () => {
    env = makeEnv('[roster]\nmax_error_percent = 50');
    await importStudents([['100', 'Stu', 'Dent', '', '5', 'N', '', '']]);
    const rec = await env.roster.importFile({ path: env.file('staff.csv', 'Local ID,First Name,Last Name\r\n100,Tea,Cher\r\n200,Ok,Staff\r\n'), origin: 'test' });
    expect(rec.status).toBe('applied');
    expect(rec.errors).toEqual([
      { line: 2, local_id: '100', message: 'Local ID "100" already belongs to an active student from students.csv; one ID is one person: give staff distinct IDs in the SIS' },
    ]);
    expect(env.user('100')).toMatchObject({ role: 'student', first_name: 'Stu' });
    expect(env.user('200')).toMatchObject({ role: 'staff' });
  });
});

describe('the safety hold', () => {
  it('holds an import that would deactivate too many, changes nothing, then applies it on approval', async () => {
    env = makeEnv('[roster]\ndeactivate_missing = ["students"]');
    await importStudents(numbered(100));
    // A half-broken export: 80 of 100 students seem to have left.
    const held = await importStudents(numbered(20));
    expect(held).toMatchObject({ status: 'held', deactivated: 80, unchanged: 20 });
    expect(held.reason).toBe('would deactivate 80 of 100 active users from students.csv (80%), more than roster.hold_deactivate_percent (10%): check the export, then approve or discard it');
    expect(env.count('active = 1')).toBe(100);
    expect(readdirSync(join(env.dir, 'imports', 'held', String(held.id)))).toEqual(['students.csv']);

    const approved = await env.roster.approve(held.id, 'admin');
    expect(approved).toMatchObject({ id: held.id, status: 'applied', deactivated: 80, decided_by: 'admin' });
    expect(env.count('active = 1')).toBe(20);
    expect(existsSync(join(env.dir, 'imports', 'held', String(held.id)))).toBe(false);
    await expect(env.roster.approve(held.id, 'admin')).rejects.toMatchObject({ code: 'conflict' });
  });

  it('holds an import that would change too many, and discarding it changes nothing', async () => {
    env = makeEnv();
    await importStudents(numbered(10));
    const held = await importStudents(numbered(10, 1, '06'));
    expect(held).toMatchObject({ status: 'held', updated: 10 });
    expect(held.reason).toMatch(/would change 10 of 10 users from students.csv \(100%\), more than roster.hold_change_percent \(75%\)/);
    const discarded = await env.roster.discard(held.id, 'admin');
    expect(discarded).toMatchObject({ status: 'discarded', decided_by: 'admin' });
    expect(env.count("grade = '05'")).toBe(10);
    expect(existsSync(join(env.dir, 'imports', 'held', String(held.id)))).toBe(false);
    await expect(env.roster.discard(9999, 'admin')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('keeps the held file in the transaction that records the hold; a start sweeps what no held import needs', async () => {
    env = makeEnv();
    const heldRoot = join(env.dir, 'imports', 'held');
    await importStudents(numbered(10));
    // The hold is cut off after its file was moved, before the commit (as a crash would):
    // no held import is recorded, and the moved folder is left behind.
    env.db.exec("CREATE TEMP TRIGGER cut_off BEFORE UPDATE OF status ON imports WHEN NEW.status = 'held' BEGIN SELECT RAISE(ABORT, 'cut off'); END");
    await expect(importStudents(numbered(10, 1, '06'))).rejects.toThrow(/cut off/);
    env.db.exec('DROP TRIGGER cut_off');
    expect(env.roster.listImports().map((r) => r.status)).toEqual(['applied']);
    expect(readdirSync(heldRoot)).toHaveLength(1);
    expect(env.roster.removeDeadWork()).toBe(1);
    expect(readdirSync(heldRoot)).toEqual([]);

    const held = await importStudents(numbered(10, 1, '06'));
    expect(held.status).toBe('held');
    expect(env.roster.removeDeadWork()).toBe(0);
    expect(readdirSync(heldRoot)).toEqual([String(held.id)]);
    expect(readdirSync(join(heldRoot, String(held.id)))).toEqual(['students.csv']);
    expect(await env.roster.approve(held.id, 'admin')).toMatchObject({ status: 'applied', updated: 10 });
    expect(env.count("grade = '06'")).toBe(10);
  });

  it('a newer import of the same file supersedes a held one', async () => {
    env = makeEnv();
    await importStudents(numbered(10));
    const held = await importStudents(numbered(10, 1, '06'));
    expect(held.status).toBe('held');
    const same = await importStudents(numbered(10, 1, '06'));
    expect(same).toMatchObject({ status: 'skipped', reason: `same content as import ${held.id}, which is held awaiting approval` });
    const next = await importStudents(numbered(11));
    expect(next).toMatchObject({ status: 'applied', added: 1 });
    expect(env.roster.getImport(held.id)).toMatchObject({ status: 'discarded', reason: `superseded by import ${next.id}` });
  });
});

describe('history', () => {
  it('lists newest first with the contract fields, logs refusals, and gives an error report safe for spreadsheets', async () => {
    env = makeEnv('[roster]\nmax_error_percent = 50');
    const rows = numbered(4);
    rows[1]![0] = '=1+2';
    rows[1]![1] = '';
    rows[2]![0] = '@SUM(A1)';
    rows[2]![2] = '';
    const rec = await importStudents(rows);
    const refused = await env.roster.importFile({ path: env.file('staff.csv', ''), origin: 'sftp:district' });
    const [top, next] = env.roster.listImports();
    expect(top).toMatchObject({ id: refused.id, file: 'staff.csv', status: 'refused', reason: 'the file is empty (0 bytes): the export produced nothing', errors: [] });
    expect(next).toMatchObject({ id: rec.id, file: 'students.csv', status: 'applied', added: 2, updated: 0, unchanged: 0, deactivated: 0, error_count: 2 });
    expect(next!.errors).toEqual([
      { line: 3, local_id: '=1+2', message: 'First Name is empty' },
      { line: 4, local_id: '@SUM(A1)', message: 'Last Name is empty' },
    ]);
    expect(logs().findLast((l) => l.import === refused.id)).toMatchObject({ level: 'warn', file: 'staff.csv', origin: 'sftp:district', reason: 'the file is empty (0 bytes): the export produced nothing' });
    const report = env.roster.errorReport(rec.id);
    expect(report.fileName).toBe(`import-${rec.id}-students-errors.csv`);
    expect(report.csv).toBe('\uFEFF"Line","Local ID","Problem"\r\n"3","\'=1+2","First Name is empty"\r\n"4","\'@SUM(A1)","Last Name is empty"\r\n');
  });
});

describe('photos waiting for a Local ID', () => {
  it('are linked by the import that brings the user, and counted on its record', async () => {
    const { createPhotoService } = await import('../../src/domain/photos/service.ts');
    const sharp = (await import('sharp')).default;
    const { createLogger } = await import('../../src/shared/logger.ts');
    env = makeEnv();
    const photos = createPhotoService({ storage: env.storage, dataDir: env.dir, config: env.config.photos, maxBytes: env.config.sftp.max_photo_bytes, log: createLogger('photos') });
    await photos.start();
    const jpeg = await sharp({ create: { width: 120, height: 150, channels: 3, background: { r: 200, g: 120, b: 90 } } }).jpeg().toBuffer();
    for (const id of ['S00002', 'S00099']) await photos.addFile(env.file(`${id}.jpg`, jpeg), { account: 'test' });
    expect(photos.unmatched().map((u) => u.local_id).sort()).toEqual(['S00002', 'S00099']);
    const rec = await importStudents(numbered(3));
    expect(rec).toMatchObject({ status: 'applied', added: 3, photos_linked: 1 });
    expect(photos.unmatched().map((u) => u.local_id)).toEqual(['S00099']);
    await photos.stop();
  });
});
