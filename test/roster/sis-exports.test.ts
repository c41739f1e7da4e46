import { afterEach, describe, expect, it } from 'vitest';
import { csvCell, makeEnv, POWERSCHOOL_COLUMNS_USED, type Env } from './helpers.ts';

let env: Env;
afterEach(() => env?.close());

const csv = (rows: string[][]) => `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;

/** A PowerSchool student export as its "Export Using Template" writes it, ID (DCID) first. */
const PS_HEADER = ['ID', 'Student_Number', 'First_Name', 'Last_Name', 'Grade_Level', 'SchoolID', 'Enroll_Status', 'Home_Phone'];
function powerschool(statuses: string[], from = 1): string {
  return csv([PS_HEADER, ...statuses.map((s, i) => [String(9000 + from + i), String(100000 + from + i), `First${from + i}`, `Last${from + i}`, '5', '101', s, '555-0100'])]);
}

describe('import report: layout and columns', () => {
  it('recognises a PowerSchool student export, says which columns it read into what, and which it ignored', async () => {
    env = makeEnv();
    // 37 enrolled, one each pre-registered (-1), transferred out (2) and graduated (3): 3 of 40 inactive.
    const statuses = [...Array(37).fill('0'), '-1', '2', '3'];
    const rec = await env.roster.importFile({ path: env.file('students.csv', powerschool(statuses)), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', added: 40, error_count: 0, layout: 'PowerSchool', format: 'PowerSchool students' });
    expect(rec.columns_used).toEqual(POWERSCHOOL_COLUMNS_USED);
    expect(rec.columns_ignored).toEqual(['ID', 'Home_Phone']);
    expect(env.user('100001')).toMatchObject({ active: 1, grade: '5', building: '101' });
    expect(env.user('100038')).toMatchObject({ active: 0 }); // -1 pre-registered
    expect(env.user('100039')).toMatchObject({ active: 0 }); // 2 transferred out
    expect(env.user('100040')).toMatchObject({ active: 0 }); // 3 graduated
    expect(env.count('active = 1')).toBe(37);
    // The report survives a reload from the database, and the same file again keeps it.
    expect(env.roster.getImport(rec.id).columns_used).toEqual(rec.columns_used);
    const again = await env.roster.importFile({ path: env.file('students.csv', powerschool(statuses)), origin: 'test' });
    expect(again).toMatchObject({ status: 'applied', layout: 'PowerSchool', columns_ignored: ['ID', 'Home_Phone'] });
  });

  it('reads PowerSchool teachers with Email_Addr, and Status 1/2', async () => {
    env = makeEnv();
    const text = csv([
      ['TeacherNumber', 'First_Name', 'Last_Name', 'Email_Addr', 'SchoolID', 'Status', 'Staff_Status'],
      ['T100', 'Ana', 'Lee', 'ana.lee@district.org', '101', '1', '1'],
      ...Array.from({ length: 19 }, (_, i) => [`T${101 + i}`, `A${i}`, `B${i}`, `t${i}@district.org`, '102', '1', '1']),
      ['T200', 'Old', 'Timer', 'old@district.org', '101', '2', '1'],
    ]);
    const rec = await env.roster.importFile({ path: env.file('teachers.csv', text), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', added: 21, layout: 'PowerSchool', format: 'PowerSchool teachers' });
    expect(rec.columns_used).toContainEqual({ column: 'Email_Addr', field: 'email' });
    expect(rec.columns_used).toContainEqual({ column: 'Status', field: 'active' });
    expect(rec.columns_ignored).toEqual(['Staff_Status']);
    expect(env.user('T100')).toMatchObject({ email: 'ana.lee@district.org', role: 'staff', active: 1 });
    expect(env.user('T200')).toMatchObject({ active: 0 });
  });

  it.each(['Email_Addr', 'EmailAddress', 'Email', 'E-mail Address', 'Student_Email_Address', 'Mail'])('fills Email from a %s column', async (name) => {
    env = makeEnv();
    const rec = await env.roster.importFile({ path: env.file('students.csv', csv([['Local ID', 'First Name', 'Last Name', name], ['S1', 'Ann', 'Lee', 'ann@x.org']])), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', layout: 'native', columns_ignored: [] });
    expect(rec.columns_used).toContainEqual({ column: name, field: 'email' });
    expect(env.user('S1')).toMatchObject({ email: 'ann@x.org' });
  });

  it.each([
    ['Infinite Campus', 'Infinite Campus students', ['personID', 'studentNumber', 'lastName', 'firstName', 'grade', 'schoolName'], ['77', 'IC1', 'Lee', 'Ann', '05', 'Lincoln'], 'IC1'],
    ['Skyward', 'Skyward students', ['Name ID', 'Student ID', 'First Name', 'Last Name', 'Grade', 'Entity ID', 'Status'], ['5', 'SK1', 'Ann', 'Lee', '05', '101', 'A'], 'SK1'],
    ['Aeries', 'Aeries students', ['Perm ID', 'Student ID', 'First Name', 'Last Name', 'Grade', 'School Code', 'Inactive Status Code'], ['AE1', '12', 'Ann', 'Lee', '5', '994', ''], 'AE1'],
  ])('recognises %s', async (layout, format, header, row, id) => {
    env = makeEnv();
    const rec = await env.roster.importFile({ path: env.file('students.csv', csv([header, row])), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', layout, format, added: 1 });
    expect(env.user(id)).toMatchObject({ first_name: 'Ann', last_name: 'Lee', active: 1 });
  });

  it('names the mapping as the layout, and the header-less staff layout as native with its password column ignored', async () => {
    env = makeEnv('[roster.mapping."pupils.csv"]\nlocal_id = "Pupil Number"\n');
    const mapped = await env.roster.importFile({ path: env.file('pupils.csv', 'Pupil Number,First Name,Last Name,Shoe Size\n1,A,B,9\n'), origin: 'test' });
    expect(mapped).toMatchObject({ status: 'applied', layout: '[roster.mapping."pupils.csv"]', columns_ignored: ['Shoe Size'] });
    const staff = await env.roster.importFile({ path: env.file('staff.csv', '0107,Zoe,Ray,zray,pw,z@x.org,HS,Teacher,Art\n'), origin: 'test' });
    expect(staff).toMatchObject({ layout: 'native', columns_ignored: ['Password', 'Certification'] });
    expect(staff.columns_used[0]).toEqual({ column: 'Staff ID', field: 'local_id' });
  });

  it('keeps the report of a file refused after its header was read', async () => {
    env = makeEnv();
    const rec = await env.roster.importFile({ path: env.file('students.csv', `${PS_HEADER.join(',')}\r\n`), origin: 'test' });
    expect(rec).toMatchObject({ status: 'refused', layout: 'PowerSchool' });
    expect(rec.columns_ignored).toEqual(['ID', 'Home_Phone']);
  });

  it('keeps at most 200 ignored names of a header with thousands of columns', async () => {
    env = makeEnv();
    const header = ['Local ID', 'First Name', 'Last Name', ...Array.from({ length: 5000 }, (_, i) => `X${i}`)];
    const rec = await env.roster.importFile({ path: env.file('students.csv', csv([header, ['S1', 'A', 'B', ...Array(5000).fill('')]])), origin: 'test' });
    expect(rec.status).toBe('applied');
    expect(rec.columns_ignored).toHaveLength(201);
    expect(rec.columns_ignored.at(-1)).toBe('… and 4800 more');
  });
});

describe('value maps for active', () => {
  it('reads Enroll_Status the PowerSchool way even when a mapping names it, so 0 is active', async () => {
    env = makeEnv('[roster.mapping."students.csv"]\nactive = "Enroll_Status"\nlocal_id = "Student_Number"\n');
    const rec = await env.roster.importFile({ path: env.file('students.csv', powerschool(Array(300).fill('0'))), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', added: 300 });
    expect(env.count('active = 1')).toBe(300);
  });

  it('makes a code PowerSchool does not define an error on its line, never a silent deactivation', async () => {
    env = makeEnv();
    const rec = await env.roster.importFile({ path: env.file('students.csv', powerschool([...Array(39).fill('0'), '4'])), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', added: 39, error_count: 1 });
    expect(rec.errors[0]).toEqual({
      line: 41,
      local_id: '100040',
      message: 'Enroll_Status "4" is not a value idphotos knows (0 = active; -1, 1, 2, 3 = inactive, per PowerSchool Enroll_Status): list it in active_values or inactive_values of [roster.mapping."students.csv"]',
    });
    expect(env.user('100040')).toBeUndefined();
  });

  it('holds a first import that would make more than hold_deactivate_percent inactive through the column, and applies it on approval', async () => {
    env = makeEnv();
    const rec = await env.roster.importFile({ path: env.file('students.csv', powerschool([...Array(30).fill('0'), ...Array(10).fill('2')])), origin: 'test' });
    expect(rec).toMatchObject({ status: 'held', added: 40 });
    expect(rec.reason).toBe('would make 10 of the 40 people in the file inactive through its Enroll_Status column (25%), more than roster.hold_deactivate_percent (10%); Enroll_Status is read as 0 = active; -1, 1, 2, 3 = inactive, per PowerSchool Enroll_Status: check the export (or active_values in [roster.mapping]), then approve or discard it');
    expect(env.count()).toBe(0);
    const approved = await env.roster.approve(rec.id, 'admin');
    expect(approved).toMatchObject({ status: 'applied', added: 40 });
    expect(env.count('active = 0')).toBe(10);
  });

  it('holds an export that turns existing students inactive through the column', async () => {
    env = makeEnv();
    await env.roster.importFile({ path: env.file('students.csv', powerschool(Array(20).fill('0'))), origin: 'test' });
    const rec = await env.roster.importFile({ path: env.file('students.csv', powerschool([...Array(15).fill('0'), ...Array(5).fill('3')])), origin: 'test' });
    expect(rec).toMatchObject({ status: 'held', deactivated: 5 });
    expect(rec.reason).toContain('would make 5 of the 20 people in the file inactive through its Enroll_Status column (25%)');
    expect(env.count('active = 1')).toBe(20);
  });

  it('takes active_values from a mapping: listed values are active, every other value inactive', async () => {
    env = makeEnv('[roster]\nhold_deactivate_percent = 50\n[roster.mapping."pupils.csv"]\nactive = "State"\nactive_values = ["Current", "Summer"]\n');
    const text = csv([['Local ID', 'First Name', 'Last Name', 'State'], ['1', 'A', 'A', 'Current'], ['2', 'B', 'B', 'summer'], ['3', 'C', 'C', 'Left'], ['4', 'D', 'D', 'current']]);
    const rec = await env.roster.importFile({ path: env.file('pupils.csv', text), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', added: 4, error_count: 0 });
    expect([1, 2, 3, 4].map((i) => env.user(String(i))!.active)).toEqual([1, 1, 0, 1]);
  });

  it('with inactive_values too, a value in neither list is an error on its line', async () => {
    env = makeEnv('[roster]\nmax_error_percent = 50\n[roster.mapping."pupils.csv"]\nactive = "State"\nactive_values = ["Current"]\ninactive_values = ["Left", "Graduated"]\n');
    const text = csv([['Local ID', 'First Name', 'Last Name', 'State'], ['1', 'A', 'A', 'Current'], ['2', 'B', 'B', 'Graduated'], ['3', 'C', 'C', 'Current'], ['4', 'D', 'D', 'Lost']]);
    const rec = await env.roster.importFile({ path: env.file('pupils.csv', text), origin: 'test' });
    expect(rec).toMatchObject({ status: 'held', added: 3, error_count: 1 });
    expect(rec.errors[0]!.message).toBe('State "Lost" is not a value idphotos knows (current = active; left, graduated = inactive, per [roster.mapping."pupils.csv"] active_values): list it in active_values or inactive_values of [roster.mapping."pupils.csv"]');
  });

  it('reads a mapped column without values as yes/no, and anything else is an error on its line', async () => {
    env = makeEnv('[roster]\nmax_error_percent = 50\n[roster.mapping."pupils.csv"]\nactive = "Enrolled"\n');
    const text = csv([['Local ID', 'First Name', 'Last Name', 'Enrolled'], ['1', 'A', 'A', 'Y'], ['2', 'B', 'B', 'yes'], ['3', 'C', 'C', 'maybe']]);
    const rec = await env.roster.importFile({ path: env.file('pupils.csv', text), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', added: 2, error_count: 1 });
    expect(rec.errors[0]!.message).toBe('Enrolled "maybe" is not one of yes/no, true/false, 1/0, active/inactive: or list the values that mean active in active_values of [roster.mapping."pupils.csv"]');
  });
});

describe('OneRoster as districts export it', () => {
  const MANIFEST = 'propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,1.1\r\nfile.users,bulk\r\nfile.orgs,bulk\r\n';
  const ORGS = 'sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\r\nd1,,2024-08-01,Springfield USD,district,SUSD,\r\ns1,,2024-08-01,Lincoln Elementary,school,101,d1\r\ns2,,2024-08-01,Roosevelt Middle,school,102,d1\r\n';
  const HEADER = 'sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password';
  const users = (rows: string[]) => [HEADER, ...rows].join('\r\n') + '\r\n';
  const PUBLISHED = [
    'u1,active,2024-08-01,true,s1,student,ana.s,,Ana,Silva,,100001,ana@x.org,,,p1,03,',
    'u2,active,2024-08-01,true,s1,teacher,t.lee,,Tom,Lee,,T001,tom@x.org,,,,,',
    'p1,active,2024-08-01,true,s1,parent,,,Paula,Silva,,,paula@home.org,,,u1,,',
    'x1,active,2024-08-01,true,s1,proctor,,,Pat,Proctor,,,,,,,,',
    'u5,active,2024-08-01,false,s2,student,bo.k,,Bo,King,,100002,,,,,06,',
    'u6,tobedeleted,2024-08-01,true,s2,student,cy.d,,Cy,Day,,100003,,,,,07,',
  ];

  it('imports a 1.1 bundle in the published shape: a proctor without identifier is ignored with a reason, orgs name the buildings', async () => {
    env = makeEnv('[roster]\nhold_deactivate_percent = 100');
    env.file('manifest.csv', MANIFEST);
    env.file('orgs.csv', ORGS);
    const rec = await env.roster.importFile({ path: env.file('users.csv', users(PUBLISHED)), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', layout: 'OneRoster', format: 'OneRoster 1.1 users', rows: 6, added: 4, ignored: 2, error_count: 0 });
    expect(rec.ignored_reasons).toEqual([
      { reason: 'parents, guardians and relatives are not imported', count: 1 },
      { reason: 'staff-type rows (teacher, aide, proctor, …) with an empty identifier: without a Local ID they cannot match a photo', count: 1 },
    ]);
    expect(rec.columns_used).toContainEqual({ column: 'enabledUser', field: 'active' });
    expect(rec.columns_used).toContainEqual({ column: 'orgSourcedIds', field: 'building' });
    expect(env.user('100001')).toMatchObject({ building: 'Lincoln Elementary', grade: '03', active: 1 });
    expect(env.user('T001')).toMatchObject({ role: 'staff', building: 'Lincoln Elementary' });
    expect(env.user('100002')).toMatchObject({ building: 'Roosevelt Middle', active: 0 }); // enabledUser=false
    expect(env.user('100003')).toMatchObject({ active: 0 }); // status=tobedeleted
    expect(env.count()).toBe(4);
  });

  it('keeps a student without identifier an error on its line', async () => {
    env = makeEnv('[roster]\nmax_error_percent = 50');
    const rec = await env.roster.importFile({ path: env.file('users.csv', users([...PUBLISHED.slice(0, 2), 'u9,active,2024-08-01,true,s1,student,no.id,,No,Id,,,,,,,05,'])), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', added: 2, error_count: 1 });
    expect(rec.errors[0]).toMatchObject({ line: 4, message: 'Local ID is empty' });
  });

  it.each([
    ['username', 'ana.s', 't.lee'],
    ['sourcedId', 'u1', 'u2'],
  ])('takes the Local ID from %s when roster.oneroster_local_id says so', async (key, student, teacher) => {
    env = makeEnv(`[roster]\noneroster_local_id = "${key}"\nhold_deactivate_percent = 100`);
    const rec = await env.roster.importFile({ path: env.file('users.csv', users(PUBLISHED)), origin: 'test' });
    expect(rec.status).toBe('applied');
    expect(rec.columns_used).toContainEqual({ column: key, field: 'local_id' });
    expect(env.user(student)).toMatchObject({ first_name: 'Ana', role: 'student' });
    expect(env.user(teacher)).toMatchObject({ first_name: 'Tom', role: 'staff' });
  });

  it('refuses a users.csv without the column roster.oneroster_local_id names', async () => {
    env = makeEnv('[roster]\noneroster_local_id = "username"');
    const rec = await env.roster.importFile({ path: env.file('users.csv', 'sourcedId,role,givenName,familyName,identifier\r\nu1,student,A,B,1\r\n'), origin: 'test' });
    expect(rec).toMatchObject({ status: 'refused', reason: 'users.csv has no "username" column, which roster.oneroster_local_id names as the Local ID; the header row has: sourcedId, role, givenName, familyName, identifier' });
  });
});

describe('who, not only how many', () => {
  const native = (rows: string[][]) => csv([['Local ID', 'First Name', 'Last Name', 'Grade', 'Building', 'Email'], ...rows]);
  const person = (i: number, grade = '05', email = '') => [`S${String(i).padStart(4, '0')}`, `First${i}`, `Last${i}`, grade, 'North', email];

  it('lists each person added, changed field by field, deactivated and reactivated by an applied import', async () => {
    env = makeEnv('[roster]\ndeactivate_missing = ["students"]\nhold_deactivate_percent = 100\nhold_change_percent = 100');
    const first = await env.roster.importFile({ path: env.file('students.csv', native([1, 2, 3, 4].map((i) => person(i)))), origin: 'test' });
    expect(env.roster.changes(first.id).counts).toEqual({ added: 4, changed: 0, deactivated: 0, reactivated: 0 });
    // S0004 leaves; then comes back with S0002 moved up a grade with a new e-mail; S0005 joins.
    await env.roster.importFile({ path: env.file('students.csv', native([1, 2, 3].map((i) => person(i)))), origin: 'test' });
    const rec = await env.roster.importFile({ path: env.file('students.csv', native([person(1), person(2, '06', 'two@x.org'), person(3), person(4), person(5)])), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', added: 1, updated: 2, reactivated: 1 });
    const page = env.roster.changes(rec.id);
    expect(page).toMatchObject({ applied: true, note: '', total: 3, pages: 1, counts: { added: 1, changed: 1, deactivated: 0, reactivated: 1 } });
    expect(page.changes).toEqual([
      { kind: 'added', local_id: 'S0005', role: 'student', name: 'First5 Last5', grade: '05', building: 'North', fields: [] },
      {
        kind: 'changed', local_id: 'S0002', role: 'student', name: 'First2 Last2', grade: '06', building: 'North',
        fields: [{ field: 'grade', old: '05', new: '06' }, { field: 'email', old: '', new: 'two@x.org' }],
      },
      { kind: 'reactivated', local_id: 'S0004', role: 'student', name: 'First4 Last4', grade: '05', building: 'North', fields: [] },
    ]);
    const csvText = [...env.roster.changesReport(rec.id).csv].join('');
    expect(csvText).toContain('"changed","S0002","student","First2 Last2","06","North","Grade: 05 → 06; Email: (empty) → two@x.org"');
  });

  it('lists who a held import would deactivate, paged; a discarded one says nothing changed and keeps the list', async () => {
    env = makeEnv('[roster]\ndeactivate_missing = ["students"]');
    await env.roster.importFile({ path: env.file('students.csv', native(Array.from({ length: 300 }, (_, i) => person(i + 1)))), origin: 'test' });
    const held = await env.roster.importFile({ path: env.file('students.csv', native(Array.from({ length: 60 }, (_, i) => person(i + 1)))), origin: 'test' });
    expect(held).toMatchObject({ status: 'held', deactivated: 240 });
    const p1 = env.roster.changes(held.id, { kind: 'deactivated' });
    expect(p1).toMatchObject({ applied: false, kind: 'deactivated', page: 1, pages: 3, per_page: 100, total: 240 });
    expect(p1.note).toContain('nothing has changed yet');
    expect(p1.changes[0]).toMatchObject({ kind: 'deactivated', local_id: 'S0061', name: 'First61 Last61' });
    const p3 = env.roster.changes(held.id, { kind: 'deactivated', page: 3 });
    expect(p3.changes).toHaveLength(40);
    expect(p3.changes.at(-1)!.local_id).toBe('S0300');
    expect(env.count('active = 1')).toBe(300);

    await env.roster.discard(held.id, 'admin');
    const after = env.roster.changes(held.id, { kind: 'deactivated' });
    expect(after).toMatchObject({ status: 'discarded', applied: false, total: 240, note: 'nothing changed: the import was discarded; these are the changes it would have made' });
    expect([...env.roster.changesReport(held.id, 'deactivated').csv].length).toBe(241);
    expect(() => env.roster.changes(held.id, { kind: 'moved' })).toThrow('kind must be one of added, changed, deactivated, reactivated');
  });

  it('replaces what a held import would do with what it did when approved later', async () => {
    env = makeEnv('[roster]\ndeactivate_missing = ["students"]');
    await env.roster.importFile({ path: env.file('students.csv', native(Array.from({ length: 10 }, (_, i) => person(i + 1)))), origin: 'test' });
    const held = await env.roster.importFile({ path: env.file('students.csv', native(Array.from({ length: 5 }, (_, i) => person(i + 1)))), origin: 'test' });
    expect(env.roster.changes(held.id).counts.deactivated).toBe(5);
    // Meanwhile one of them is already gone by another route: approving deactivates four.
    env.db.run("UPDATE users SET active = 0 WHERE local_id = 'S0010'");
    await env.roster.approve(held.id, 'admin');
    expect(env.roster.changes(held.id)).toMatchObject({ applied: true, counts: { deactivated: 4 } });
  });
});
