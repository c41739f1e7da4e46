import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { logs, makeEnv, type Env } from './helpers.ts';

let env: Env;
afterEach(() => env?.close());

const SECRET = 'Hunter2-never-stored';

describe('staff layouts', () => {
  it('reads the modelled staff layout without a header row by position, and never keeps the password', async () => {
    env = makeEnv();
    const text = [
      `0107,Zoë,O'Brien,zobrien,${SECRET},zoe@example.org,HS,Teacher,K-12 Art`,
      `0108,José,Smith-Jones,jsmith,${SECRET},jose@example.org,MS,Principal,`,
    ].join('\n');
    const rec = await env.roster.importFile({ path: env.file('staff.csv', text), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', added: 2, format: 'staff layout (no header row)' });
    expect(env.user('0107')).toMatchObject({ first_name: 'Zoë', last_name: "O'Brien", username: 'zobrien', email: 'zoe@example.org', building: 'HS', position: 'Teacher', role: 'staff' });
    expect(env.user('0108')).toMatchObject({ position: 'Principal', building: 'MS' });
    env.db.close();
    expect(readFileSync(join(env.dir, 'idphotos.db')).includes(SECRET)).toBe(false);
    expect(JSON.stringify(logs())).not.toContain(SECRET);
  });

  it('reads the same layout with its header row', async () => {
    env = makeEnv();
    const text = `Staff ID,First Name,Last Name,Username,Password,Email,Building Code,Position,Certification\r\n0200,Ann,Lee,alee,${SECRET},ann@example.org,ES,Nurse,RN\r\n`;
    const rec = await env.roster.importFile({ path: env.file('staff.csv', text), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', format: 'staff layout (with header row)' });
    expect(env.user('0200')).toMatchObject({ building: 'ES', position: 'Nurse', username: 'alee' });
  });

  it('reads native staff columns with aliases', async () => {
    env = makeEnv();
    const text = 'Employee_ID;first_name;LAST NAME;School Name;E-mail Address;Job Title\n9001;Ana;Pérez;Central;ana@x.org;Coach\n';
    const rec = await env.roster.importFile({ path: env.file('staff.csv', text), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', format: 'idphotos staff', delimiter: ';' });
    expect(env.user('9001')).toMatchObject({ last_name: 'Pérez', building: 'Central', email: 'ana@x.org', position: 'Coach' });
  });
});

describe('Clever', () => {
  const STUDENTS = 'School_id,Student_id,Student_number,State_id,Last_name,Middle_name,First_name,Grade,Gender,DOB,Student_email,Username,Password\r\n' +
    `sch1,c9f1,00451,ST1,Nguyễn,,Thảo,9,F,2010-01-01,thao@x.org,tnguyen,${SECRET}\r\n`;

  it('takes Student_number as the Local ID by default', async () => {
    env = makeEnv();
    const rec = await env.roster.importFile({ path: env.file('students.csv', STUDENTS), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', format: 'Clever students' });
    expect(env.user('00451')).toMatchObject({ first_name: 'Thảo', last_name: 'Nguyễn', grade: '9', building: 'sch1', email: 'thao@x.org', username: 'tnguyen' });
  });

  it('takes the column roster.clever_student_id names', async () => {
    env = makeEnv('[roster]\nclever_student_id = "State_id"');
    await env.roster.importFile({ path: env.file('students.csv', STUDENTS), origin: 'test' });
    expect(env.user('ST1')).toMatchObject({ first_name: 'Thảo' });
  });

  it('reads teachers.csv and staff.csv', async () => {
    env = makeEnv();
    const teachers = 'School_id,Teacher_id,Teacher_number,State_teacher_id,Teacher_email,First_name,Middle_name,Last_name,Title,Username,Password\r\nsch1,t1,T-0042,ST9,t@x.org,Zoë,,Smith-Jones,Ms.,zsj,pw\r\n';
    const staff = 'School_id,Staff_id,Staff_email,First_name,Last_name,Department,Title,Username,Password,Role\r\nsch1,st-7,s@x.org,Sam,O\'Brien,Office,Secretary,sob,pw,staff\r\n';
    expect(await env.roster.importFile({ path: env.file('teachers.csv', teachers), origin: 'test' })).toMatchObject({ status: 'applied', format: 'Clever teachers' });
    expect(await env.roster.importFile({ path: env.file('staff.csv', staff), origin: 'test' })).toMatchObject({ status: 'applied', format: 'Clever staff' });
    expect(env.user('T-0042')).toMatchObject({ role: 'staff', email: 't@x.org', position: 'Ms.', source: 'teachers.csv' });
    expect(env.user('st-7')).toMatchObject({ role: 'staff', email: 's@x.org', position: 'Secretary', source: 'staff.csv' });
  });
});

describe('OneRoster', () => {
  const USERS_11 = [
    'sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password',
    'u1,,2024-08-01,true,org1,student,zoe,,Zoë,O\'Brien,,000777,zoe@x.org,,,,"09,10",',
    'u2,,2024-08-01,true,org1,teacher,tia,,Tia,Teach,,T77,tia@x.org,,,,,',
    'u3,,2024-08-01,true,org1,parent,pat,,Pat,Parent,,P1,,,,,,',
    'u4,tobedeleted,2024-08-01,true,org2,student,old,,Old,Leaver,,000778,,,,,,',
  ].join('\r\n');

  it('reads 1.1 users.csv: identifier is the Local ID, roles map to student/staff, parents are not imported', async () => {
    env = makeEnv();
    env.file('orgs.csv', 'sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\r\norg1,,,North High,school,NH,\r\n');
    const rec = await env.roster.importFile({ path: env.file('users.csv', USERS_11), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', format: 'OneRoster 1.1 users', added: 3, ignored: 1, rows: 4 });
    expect(env.user('000777')).toMatchObject({ role: 'student', first_name: 'Zoë', grade: '09', building: 'North High', active: 1, source: 'users.csv' });
    expect(env.user('T77')).toMatchObject({ role: 'staff' });
    expect(env.user('P1')).toBeUndefined();
    expect(env.user('000778')).toMatchObject({ active: 0 });
  });

  it('reads 1.2 users.csv with roles.csv and manifest.csv; a delta export deactivates nobody', async () => {
    env = makeEnv('[roster]\ndeactivate_missing = ["oneroster"]\nhold_deactivate_percent = 100');
    const users12 = (rows: string[]) => ['sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,resourceSourcedIds,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns', ...rows].join('\n');
    env.file('manifest.csv', 'propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\nfile.users,bulk\nfile.roles,bulk\n');
    env.file('roles.csv', 'sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId\nr1,,,a,primary,student,,,o1,\nr2,,,b,primary,teacher,,,o1,\nr3,,,b,secondary,student,,,o1,\n');
    const first = await env.roster.importFile({ path: env.file('users.csv', users12(['a,,,true,ana,,Ana,Lee,,S1,,,,,05,,,,,,,o1,', 'b,,,true,bo,,Bo,Day,,T1,,,,,,,,,,,,o1,'])), origin: 'test' });
    expect(first).toMatchObject({ status: 'applied', format: 'OneRoster 1.2 users', added: 2 });
    expect(env.user('S1')).toMatchObject({ role: 'student', grade: '05', building: 'o1' });
    expect(env.user('T1')).toMatchObject({ role: 'staff' });

    env.file('manifest.csv', 'propertyName,value\noneroster.version,1.2\nfile.users,delta\n');
    const delta = await env.roster.importFile({ path: env.file('users.csv', users12(['a,,,true,ana,,Ana,Lee-Day,,S1,,,,,05,,,,,,,o1,'])), origin: 'test' });
    expect(delta).toMatchObject({ status: 'applied', updated: 1, deactivated: 0 });
    expect(env.user('T1')).toMatchObject({ active: 1 });
  });

  it('refuses a 1.2 users.csv without roles.csv, saying what to upload', async () => {
    env = makeEnv();
    const rec = await env.roster.importFile({ path: env.file('users.csv', 'sourcedId,status,givenName,familyName,identifier\na,,Ana,Lee,S1\n'), origin: 'test' });
    expect(rec).toMatchObject({ status: 'refused', reason: 'users.csv has no role column (OneRoster 1.2): upload roles.csv with it so students and staff can be told apart' });
  });
});

describe('column mapping', () => {
  it('reads a district layout named in appliance.toml, with an active column', async () => {
    // One of two people inactive through the column is 50%: within a 50% hold, applied.
    env = makeEnv('[roster]\nhold_deactivate_percent = 50\n[roster.mapping."pupils.csv"]\nkind = "students"\nlocal_id = "Pupil Number"\nfirst_name = "Given"\nlast_name = "Family"\ngrade = "Year"\nactive = "Enrolled"\n');
    const text = 'Pupil Number\tGiven\tFamily\tYear\tEnrolled\tStudent ID\n007\tZoë\tO\'Brien\t3\tY\tX1\n008\tAl\tGone\t4\tN\tX2\n';
    const rec = await env.roster.importFile({ path: env.file('pupils.csv', text), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', format: 'mapping for pupils.csv', added: 2, delimiter: '\t', source: 'pupils.csv', kind: 'students' });
    expect(env.user('007')).toMatchObject({ first_name: 'Zoë', grade: '3', role: 'student', active: 1 });
    expect(env.user('008')).toMatchObject({ active: 0 });
    expect(env.user('X1')).toBeUndefined();
  });

  it('says which mapped column is missing', async () => {
    env = makeEnv('[roster.mapping."pupils.csv"]\nkind = "staff"\nlocal_id = "Badge"\n');
    const rec = await env.roster.importFile({ path: env.file('pupils.csv', 'Number,First Name,Last Name\n1,A,B\n'), origin: 'test' });
    expect(rec.reason).toBe('the column "Badge" named in [roster.mapping."pupils.csv"] local_id is not in the header row (Number, First Name, Last Name)');
  });

  it('needs a kind for a name it does not know', async () => {
    env = makeEnv();
    await expect(env.roster.importFile({ path: env.file('export.csv', 'Local ID,First Name,Last Name\n1,A,B\n'), origin: 'cli' })).rejects.toThrow(/say which kind it is/);
    const rec = await env.roster.importFile({ path: env.file('export.csv', 'Local ID,First Name,Last Name\n1,A,B\n'), kind: 'staff', origin: 'cli' });
    expect(rec).toMatchObject({ status: 'applied', file: 'export.csv', source: 'staff.csv' });
  });
});
