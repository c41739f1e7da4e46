import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebApp } from '../../src/web/app.ts';
import { signInAs } from '../web/helpers.ts';
import { PASSWORD, run, sftpBatch, startHarness, tempDir, type Harness } from '../sftp/harness.ts';
import { csvCell, POWERSCHOOL_COLUMNS_USED } from './fixtures.ts';

let h: Harness;
let local: string;

beforeAll(async () => {
  h = await startHarness('[roster]\nquiet_seconds = 0');
  local = tempDir('idphotos-sis-sftp-');
});
afterAll(async () => h?.stop());

const csv = (rows: string[][]) => `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;

/** Uploads with OpenSSH sftp in batch mode, as a district's nightly job does, then waits for the imports. */
async function upload(files: Record<string, string>): Promise<void> {
  const puts = ['cd /incoming/data'];
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(local, name), content);
    puts.push(`put ${name}`);
  }
  const res = await sftpBatch(h, puts, local);
  expect(res.code).toBe(0);
  await h.app.ctx.imports.idle();
}

describe('PowerSchool exports over real SFTP', () => {
  it('reads Enroll_Status 0/-1/2/3 and Email_Addr, and reports layout and columns in the API, the page and the CLI', async () => {
    // 57 enrolled, then pre-registered (-1), transferred out (2) and graduated (3): 3 of 60 inactive.
    const statuses = [...Array(57).fill('0'), '-1', '2', '3'];
    const studentsCsv = csv([
      ['ID', 'Student_Number', 'First_Name', 'Last_Name', 'Grade_Level', 'SchoolID', 'Enroll_Status', 'Mother'],
      ...statuses.map((s, i) => [String(7000 + i), String(200001 + i), `Ann${i}`, `Lee${i}`, i % 2 ? '-1' : '0', '101', s, 'Jane']),
    ]);
    const teachersCsv = csv([
      ['TeacherNumber', 'First_Name', 'Last_Name', 'Email_Addr', 'SchoolID', 'Status', 'Staff_Status'],
      ['T5001', 'Maria', 'Ortiz', 'maria.ortiz@district.org', '101', '1', '1'],
      ['T5002', 'Sam', 'Young', 'sam.young@district.org', '102', '1', '1'],
    ]);
    await upload({ 'students.csv': studentsCsv, 'teachers.csv': teachersCsv });

    const [teachers, students] = h.app.ctx.roster.listImports();
    expect(students).toMatchObject({ file: 'students.csv', status: 'applied', added: 60, error_count: 0, layout: 'PowerSchool' });
    expect(teachers).toMatchObject({ file: 'teachers.csv', status: 'applied', added: 2, layout: 'PowerSchool' });

    const web = createWebApp(h.app.ctx);
    const { cookie } = await signInAs(web, 'admin', PASSWORD);
    const get = async (path: string) => {
      const res = await web.request(path, { headers: { cookie } });
      expect(res.status).toBe(200);
      return res;
    };
    const body = (await (await get(`/api/imports/${students!.id}`)).json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      layout: 'PowerSchool',
      format: 'PowerSchool students',
      columns_used: POWERSCHOOL_COLUMNS_USED,
      columns_ignored: ['ID', 'Mother'],
    });
    const user = async (id: string) => ((await (await get(`/api/users/${id}`)).json()) as { active: boolean; email: string });
    expect(await user('200001')).toMatchObject({ active: true });
    for (const id of ['200058', '200059', '200060']) expect(await user(id)).toMatchObject({ active: false });
    expect(await user('T5001')).toMatchObject({ email: "maria.ortiz@district.org", active: true });

    const page = await (await get(`/admin/imports/${teachers!.id}`)).text();
    expect(page).toContain('<dt>Layout</dt><dd>PowerSchool</dd>');
    expect(page).toMatch(/<td class="mono">Email_Addr<\/td><td>Email<\/td>/);
    expect(page).toContain('Columns ignored:</strong> Staff_Status');

    // Staff are counted apart: the table by building and grade is the students'.
    const status = await (await get('/admin/status')).text();
    expect(status).toContain('Active students without a photo');
    expect(status).toContain('<a href="/search?role=staff">2</a> of 2 active staff have no photo.');
    expect(status).toContain('<td>101</td><td>K</td>');
    expect(status).not.toContain('<td>101</td><td>—</td>');
    expect(status).not.toContain('<td>102</td><td>—</td>');

    const show = await run(process.execPath, [join(import.meta.dirname, '../../bin/idphotos.js'), 'imports', 'show', String(teachers!.id), '--config', join(h.dir, 'appliance.toml')]);
    expect(show.stdout).toContain('  layout: PowerSchool\n');
    expect(show.stdout).toContain('  columns used: TeacherNumber → Local ID, First_Name → First Name, Last_Name → Last Name, Email_Addr → Email, SchoolID → Building, Status → Active\n');
    expect(show.stdout).toContain('  columns ignored: Staff_Status\n');
  });

  it('holds an export that would make most students inactive through Enroll_Status, changing nobody', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => [String(200001 + i), `Ann${i}`, `Lee${i}`, '0', '101', i < 20 ? '0' : '2']);
    await upload({ 'students.csv': csv([['Student_Number', 'First_Name', 'Last_Name', 'Grade_Level', 'SchoolID', 'Enroll_Status'], ...rows]) });
    const [held] = h.app.ctx.roster.listImports();
    expect(held).toMatchObject({ file: 'students.csv', status: 'held', layout: 'PowerSchool' });
    expect(held!.reason).toContain('would make 37 of the 60 people in the file inactive through its Enroll_Status column');
    const web = createWebApp(h.app.ctx);
    const { cookie, csrf } = await signInAs(web, 'admin', PASSWORD);
    const res = await web.request('/api/users/200030', { headers: { cookie } });
    expect(await res.json()).toMatchObject({ active: true });

    // Who it would deactivate, in the API, on the page and as CSV.
    const api = await web.request(`/api/imports/${held!.id}/changes?kind=deactivated&page=1`, { headers: { cookie } });
    expect(api.status).toBe(200);
    const page = (await api.json()) as { total: number; applied: boolean; changes: Array<{ local_id: string; kind: string; name: string; fields: unknown[] }> };
    expect(page).toMatchObject({ total: 37, applied: false, kind: 'deactivated', page: 1, pages: 1 });
    expect(page.changes[0]).toMatchObject({ kind: 'deactivated', local_id: '200021', name: 'Ann20 Lee20', fields: [] });
    expect(page.changes[1]).toMatchObject({ kind: 'deactivated', local_id: '200022', name: 'Ann21 Lee21', fields: [{ field: 'grade', old: '-1', new: '0' }] });
    expect((await web.request(`/api/imports/${held!.id}/changes?kind=gone`, { headers: { cookie } })).status).toBe(400);
    const html = await (await web.request(`/admin/imports/${held!.id}?kind=deactivated`, { headers: { cookie } })).text();
    expect(html).toContain('Nothing has changed yet: approving applies these changes');
    expect(html).toContain('Deactivated (37)');
    expect(html).toContain('Ann20 Lee20');
    const csvRes = await web.request(`/api/imports/${held!.id}/changes.csv?kind=deactivated`, { headers: { cookie } });
    expect(csvRes.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const csvText = await csvRes.text();
    expect(csvText.trim().split('\r\n')).toHaveLength(38);
    expect(csvText).toContain('"deactivated","200022","student","Ann21 Lee21","0","101","Grade: -1 → 0"');

    // Discarded: the list still says what it would have done, and that nothing changed.
    const discard = await web.request(`/api/imports/${held!.id}/discard`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf } });
    expect(discard.status).toBe(200);
    const after = await (await web.request(`/admin/imports/${held!.id}`, { headers: { cookie } })).text();
    expect(after).toContain('Nothing changed: the import was discarded; these are the changes it would have made.');
    const list = await (await web.request('/admin/imports', { headers: { cookie } })).text();
    expect(list).toContain('nothing changed (would have made: 12 updated, 37 deactivated, 11 unchanged)');
  });

  it('imports a OneRoster 1.1 bundle uploaded together: the proctor without identifier is ignored with its reason, not a refusal', async () => {
    await upload({
      'manifest.csv': 'propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,1.1\r\nfile.users,bulk\r\nfile.orgs,bulk\r\n',
      'orgs.csv': 'sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\r\ns1,,2024-08-01,Lincoln Elementary,school,101,\r\n',
      'users.csv': [
        'sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password',
        'u1,active,2024-08-01,true,s1,student,ana.s,,Ana,Silva,,OR1001,,,,p1,03,',
        'u2,active,2024-08-01,true,s1,teacher,t.lee,,Tom,Lee,,ORT01,,,,,,',
        'p1,active,2024-08-01,true,s1,parent,,,Paula,Silva,,,,,,u1,,',
        'x1,active,2024-08-01,true,s1,proctor,,,Pat,Proctor,,,,,,,,',
        'u5,active,2024-08-01,false,s1,student,bo.k,,Bo,King,,OR1002,,,,,06,',
        'u6,active,2024-08-01,true,s1,student,cy.d,,Cy,Day,,OR1003,,,,,07,',
      ].join('\r\n'),
    });
    const [rec] = h.app.ctx.roster.listImports();
    expect(rec).toMatchObject({ file: 'users.csv', status: 'applied', layout: 'OneRoster', added: 4, ignored: 2, error_count: 0 });
    expect(rec!.ignored_reasons.map((r) => r.reason)).toContain('staff-type rows (teacher, aide, proctor, …) with an empty identifier: without a Local ID they cannot match a photo');
    const web = createWebApp(h.app.ctx);
    const { cookie } = await signInAs(web, 'admin', PASSWORD);
    const user = async (id: string) => (await web.request(`/api/users/${id}`, { headers: { cookie } })).json();
    expect(await user('OR1001')).toMatchObject({ building: 'Lincoln Elementary', active: true });
    expect(await user('OR1002')).toMatchObject({ active: false });
    expect(await user('ORT01')).toMatchObject({ role: 'staff' });
  });
});
