import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebApp } from '../../src/web/app.ts';
import { signInAs } from '../web/helpers.ts';
import { logs, PASSWORD, run, sftpBatch, startHarness, tempDir, type Harness } from '../sftp/harness.ts';
import { encode, numbered, students } from './fixtures.ts';
import { databaseOf } from '../../src/storage/index.ts';

let h: Harness;
let local: string;

beforeAll(async () => {
  h = await startHarness('[roster]\nquiet_seconds = 1\ndeactivate_missing = ["students"]');
  local = tempDir('idphotos-roster-sftp-');
});
afterAll(async () => h?.stop());

/** Uploads files with OpenSSH sftp, then waits for the quiet period and the imports to finish. */
async function upload(files: Record<string, string | Buffer>): Promise<{ code: number | null; stderr: string }> {
  const puts: string[] = ['cd /incoming/data'];
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(local, name), content);
    puts.push(`-put ${name}`);
  }
  const res = await sftpBatch(h, puts, local);
  await h.app.ctx.imports.idle();
  return res;
}

describe('roster files over real SFTP', () => {
  it('imports students.csv and staff.csv uploaded together, in upload order, after the quiet period', async () => {
    const studentsText = students([
      ['000123', 'José', 'García', '', '05', 'North', '', ''],
      ['000124', 'Zoë', "O'Brien", '', '06', 'North', '', ''],
      ['0042', 'Thảo', 'Nguyễn', '', '12', 'South', '', ''],
      ...numbered(27),
    ]).replace(/,/g, '\t');
    const staffText = '0107,Mary,Smith-Jones,msj,Secret-Pass-1,msj@example.org,HS,Teacher,Art\r\n';
    const res = await upload({ 'students.csv': encode(studentsText, 'utf-16le-bom'), 'staff.csv': staffText });
    expect(res.code).toBe(0);
    const [staff, studentsRec] = h.app.ctx.roster.listImports();
    expect(studentsRec).toMatchObject({ file: 'students.csv', status: 'applied', added: 30, encoding: 'utf-16le', delimiter: '\t', origin: 'sftp:district' });
    expect(staff).toMatchObject({ file: 'staff.csv', status: 'applied', added: 1, format: 'staff layout (no header row)' });
    expect(staff!.id).toBeGreaterThan(studentsRec!.id);
    const user = (id: string) => databaseOf(h.app.storage).get('SELECT * FROM users WHERE local_id = ?', id);
    expect(user('0042')).toMatchObject({ first_name: 'Thảo', last_name: 'Nguyễn', role: 'student' });
    expect(user('0107')).toMatchObject({ last_name: 'Smith-Jones', role: 'staff', username: 'msj' });
    expect(JSON.stringify(logs)).not.toContain('Secret-Pass-1');
  });

  it('refuses wrong names at upload with the name to use, and logs it', async () => {
    const res = await upload({ 'Students.csv': 'x', 'pupils.csv': 'x' });
    // OpenSSH's client prints only "Failure"; the reason is in the server's status message and log.
    expect(res.stderr).toContain('dest open "/incoming/data/Students.csv": Failure');
    const text = JSON.stringify(logs);
    expect(text).toContain('names are case-sensitive: upload it as \\"students.csv\\"');
    expect(text).toContain('\\"pupils.csv\\" is not a data file idphotos reads');
    expect(h.app.ctx.folders.data.list().map((e) => e.name)).toEqual(['staff.csv', 'students.csv']);
    // The admin sees both refusals in the import history, with the reasons the client got.
    const [pupils, cased] = h.app.ctx.roster.listImports();
    expect(cased).toMatchObject({ file: 'Students.csv', status: 'refused', origin: 'sftp:district', bytes: 0 });
    expect(cased!.reason).toContain('names are case-sensitive: upload it as "students.csv"');
    expect(pupils).toMatchObject({ file: 'pupils.csv', status: 'refused' });
    expect(pupils!.reason).toContain('"pupils.csv" is not a data file idphotos reads');
  });

  it('records the same file again as a no-op, refuses a 0-byte file, holds a file that empties the school', async () => {
    const before = h.app.ctx.roster.listImports()[0]!.id;
    await upload({ 'students.csv': '' });
    await upload({ 'students.csv': students(numbered(3)) });
    const [held, empty] = h.app.ctx.roster.listImports();
    expect(empty).toMatchObject({ id: before + 1, status: 'refused', reason: 'the file is empty (0 bytes): the export produced nothing' });
    expect(held).toMatchObject({ status: 'held', deactivated: 27 });
    expect(databaseOf(h.app.storage).get<{ n: number }>("SELECT COUNT(*) AS n FROM users WHERE role = 'student' AND active = 1")!.n).toBe(30);

    // The admin approves through the JSON API the web viewer uses.
    const web = createWebApp(h.app.ctx);
    const { cookie, csrf } = await signInAs(web, 'admin', PASSWORD);
    const list = await web.request('/api/imports', { headers: { cookie } });
    expect(list.status).toBe(200);
    const body = (await list.json()) as Array<Record<string, unknown>>;
    expect(body[0]).toMatchObject({ id: held!.id, file: 'students.csv', status: 'held', added: 0, updated: 0, unchanged: 3, deactivated: 27, errors: [] });
    expect(body.map((r) => r.id)).toEqual([...body.map((r) => r.id as number)].sort((a, b) => b - a));
    expect(body.every((r) => Array.isArray(r.errors))).toBe(true);

    const forged = await web.request(`/api/imports/${held!.id}/approve`, { method: 'POST', headers: { cookie } });
    expect(forged.status).toBe(403);
    const approve = await web.request(`/api/imports/${held!.id}/approve`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf } });
    expect(approve.status).toBe(200);
    expect(await approve.json()).toMatchObject({ status: 'applied', decided_by: 'web:admin', deactivated: 27 });
    expect(databaseOf(h.app.storage).get<{ n: number }>("SELECT COUNT(*) AS n FROM users WHERE role = 'student' AND active = 1")!.n).toBe(3);
    const again = await web.request(`/api/imports/${held!.id}/discard`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf } });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: 'conflict' } });

    await upload({ 'students.csv': students(numbered(3)) });
    expect(h.app.ctx.roster.listImports()[0]).toMatchObject({ status: 'applied', added: 0, updated: 0, deactivated: 0, reason: `same content as import ${held!.id}: nothing changed` });
  });

  it('takes a CLI import into the same database while the server runs', async () => {
    const file = join(local, 'teachers.csv');
    writeFileSync(file, 'Local ID,First Name,Last Name\r\nT-9,Tia,Teach\r\n');
    const res = await run(process.execPath, [join(import.meta.dirname, '../../bin/idphotos.js'), 'import', file, '--config', join(h.dir, 'appliance.toml')]);
    expect(res.stdout).toMatch(/^import \d+ teachers.csv \(idphotos staff\): applied\n/);
    expect(h.app.ctx.roster.listImports()[0]).toMatchObject({ file: 'teachers.csv', origin: 'cli', status: 'applied' });
    expect(databaseOf(h.app.storage).get('SELECT role FROM users WHERE local_id = ?', 'T-9')).toEqual({ role: 'staff' });
  });
});

