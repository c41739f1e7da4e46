import { afterEach, describe, expect, it } from 'vitest';
import { makeEnv, numbered, students, type Encoding, type Env } from './helpers.ts';

let env: Env;
afterEach(() => env?.close());

const PEOPLE = [
  ['000123', 'José', 'García', '', '05', 'North', 'jose@example.org', 'jgarcia'],
  ['000124', 'Zoë', "O'Brien", 'Ann', '06', 'North', 'zoe@example.org', 'zobrien'],
  ['S-77', 'Mary', 'Smith-Jones', '', 'K', 'South', '', ''],
  ['0042', 'Thảo', 'Nguyễn', '', '12', 'South', 'thao@example.org', 'tnguyen'],
];

describe('encodings', () => {
  it.each<[Encoding, string]>([
    ['utf-8', ','],
    ['utf-8-bom', ','],
    ['utf-16le-bom', '\t'],
    ['utf-16be-bom', '\t'],
    ['windows-1252', ';'],
  ])('reads %s with delimiter %j and keeps accents, apostrophes and leading zeros', async (encoding, delimiter) => {
    env = makeEnv();
    // Windows-1252 cannot hold Vietnamese: that row is left out of its fixture.
    const people = encoding === 'windows-1252' ? PEOPLE.slice(0, 3) : PEOPLE;
    const header = ['Local ID', 'First Name', 'Last Name', 'Middle Name', 'Grade', 'Building', 'Email', 'Username'];
    const text = [header, ...people].map((r) => r.join(delimiter)).join('\r\n') + '\r\n';
    const rec = await env.roster.importFile({ path: env.file('students.csv', text, encoding), origin: 'test' });
    expect(rec.status).toBe('applied');
    expect(rec.errors).toEqual([]);
    expect(rec.added).toBe(people.length);
    expect(rec.encoding).toBe(encoding.replace(/-bom$/, ''));
    expect(rec.delimiter).toBe(delimiter);
    expect(env.user('000123')).toMatchObject({ first_name: 'José', last_name: 'García', role: 'student', grade: '05', active: 1, source: 'students.csv' });
    expect(env.user('000124')).toMatchObject({ first_name: 'Zoë', last_name: "O'Brien", middle_name: 'Ann' });
    expect(env.user('S-77')).toMatchObject({ last_name: 'Smith-Jones', grade: 'K' });
    if (encoding !== 'windows-1252') expect(env.user('0042')).toMatchObject({ first_name: 'Thảo', last_name: 'Nguyễn' });
    expect(env.user('123')).toBeUndefined();
  });

  it.each<Encoding>(['utf-8', 'utf-16le-bom', 'windows-1252'])('decodes %s correctly across read-chunk boundaries (files over 1 MiB)', async (encoding) => {
    env = makeEnv();
    const names = encoding === 'windows-1252' ? ['José', 'Zoë', 'Müller'] : ['José', 'Zoë', 'Nguyễn'];
    const rows = Array.from({ length: 30_000 }, (_, i) => [`B${String(i).padStart(6, '0')}`, names[i % 3]!, `${names[(i + 1) % 3]!}-Ñ${'é'.repeat(i % 40)}`, '', '1', 'N', '', '']);
    const rec = await env.roster.importFile({ path: env.file('students.csv', students(rows), encoding), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', added: 30_000, error_count: 0 });
    expect(rec.bytes).toBeGreaterThan(1024 * 1024);
    const bad = env.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM users WHERE first_name NOT IN (?, ?, ?) OR last_name NOT LIKE '%-Ñ%'", ...names)!.n;
    expect(bad).toBe(0);
    expect(env.user('B029999')).toMatchObject({ first_name: names[29_999 % 3], last_name: `${names[30_000 % 3]}-Ñ${'é'.repeat(29_999 % 40)}` });
  });

  it('refuses an Excel workbook and a binary file, changing nothing', async () => {
    env = makeEnv();
    const xlsx = await env.roster.importFile({ path: env.file('students.csv', Buffer.from('PK\x03\x04rest-of-zip', 'latin1')), origin: 'test' });
    expect(xlsx).toMatchObject({ status: 'refused' });
    expect(xlsx.reason).toMatch(/Excel workbook.*CSV UTF-8/);
    const utf16NoBom = Buffer.from('Local ID,First Name\r\n', 'utf16le');
    const bin = await env.roster.importFile({ path: env.file('students.csv', utf16NoBom), origin: 'test' });
    expect(bin.reason).toMatch(/NUL bytes/);
    expect(env.count()).toBe(0);
  });
});

describe('CSV shapes', () => {
  it('parses quoted commas and line breaks and reports the line each record starts on', async () => {
    env = makeEnv('[roster]\nmax_error_percent = 50');
    const text = [
      'Local ID,First Name,Last Name,Notes,Grade',
      '1001,"Ann, Marie",Lee,"first line\r\nsecond line\r\nthird line",3',
      '1002,Bob,"Smith, Jr.",,4',
      '1003,,Empty,,4',
      '',
      '1004,Dee,Day,"a\nb",5',
      '1005,Eve,1.23457E+11,,5',
      '1.23457E+11,Fay,Fox,,5',
    ].join('\r\n');
    const rec = await env.roster.importFile({ path: env.file('students.csv', text), origin: 'test' });
    expect(rec.status).toBe('applied');
    expect(env.user('1001')).toMatchObject({ first_name: 'Ann, Marie', last_name: 'Lee', grade: '3' });
    expect(env.user('1002')).toMatchObject({ last_name: 'Smith, Jr.' });
    expect(env.user('1004')).toMatchObject({ first_name: 'Dee' });
    expect(rec.errors.map((e) => [e.line, e.message])).toEqual([
      [6, 'First Name is empty'],
      [11, 'Local ID "1.23457E+11": Excel turned this ID into a number: export the column as text'],
    ]);
    // "1.23457E+11" as a last name is a name, not an ID: it is kept as text.
    expect(env.user('1005')).toMatchObject({ last_name: '1.23457E+11' });
  });

  it('reports every line of a duplicate Local ID and imports none of them', async () => {
    env = makeEnv('[roster]\nmax_error_percent = 50');
    const text = students([
      ['A1', 'Ann', 'One', '', '1', 'N', '', ''],
      ['A2', 'Bob', 'Two', '', '1', 'N', '', ''],
      ['A1', 'Ann', 'Again', '', '1', 'N', '', ''],
      ['a1', 'Case', 'Differs', '', '1', 'N', '', ''],
    ]);
    const rec = await env.roster.importFile({ path: env.file('students.csv', text), origin: 'test' });
    expect(rec.status).toBe('applied');
    expect(rec.errors).toEqual([
      { line: 2, local_id: 'A1', message: 'Local ID "A1" is also on line 4: none of these lines was imported; keep one' },
      { line: 4, local_id: 'A1', message: 'Local ID "A1" is also on line 2: none of these lines was imported; keep one' },
    ]);
    expect(env.user('A1')).toBeUndefined();
    expect(env.user('a1')).toMatchObject({ first_name: 'Case' });
    expect(rec).toMatchObject({ added: 2, error_count: 2, rows: 4 });
  });

  it('reports a huge field on its line and keeps the other rows', async () => {
    env = makeEnv();
    const rows = Array.from({ length: 40 }, (_, i) => [`H${i}`, `N${i}`, `L${i}`, '', '1', 'N', '', '']);
    rows[9]![1] = 'x'.repeat(300_000);
    const rec = await env.roster.importFile({ path: env.file('students.csv', students(rows)), origin: 'test' });
    expect(rec.status).toBe('applied');
    expect(rec.errors).toEqual([{ line: 11, local_id: 'H9', message: 'First Name is 300000 characters long; the most allowed is 100' }]);
    expect(rec.added).toBe(39);
  });

  it('refuses a record that never ends (an unclosed quote) without changing anything', async () => {
    env = makeEnv();
    const text = `Local ID,First Name,Last Name\r\n1,"Ann,Lee\r\n${'2,Bob,Day\r\n'.repeat(500_000)}`;
    const rec = await env.roster.importFile({ path: env.file('students.csv', text), origin: 'test' });
    expect(rec.status).toBe('refused');
    expect(rec.reason).toMatch(/line 2: a record is longer than 4 MB; an opening quote is probably never closed/);
    expect(env.count()).toBe(0);
  });

  it.each([
    ['0-byte file', '', /the file is empty \(0 bytes\)/],
    ['header-only file', 'Local ID,First Name,Last Name\r\n', /header row but no data rows/],
    ['blank lines only', '\r\n\r\n', /no rows at all/],
    ['missing columns', 'Student Number,Given\r\n1,Ann\r\n', /missing required columns: First Name \(.*\); Last Name \(.*\)\. The header row has: Student Number, Given/],
    ['unknown header', 'foo,bar,baz\r\n1,2,3\r\n', /not a header row we recognise/],
  ])('refuses a %s and changes nothing', async (_what, text, reason) => {
    env = makeEnv();
    await env.roster.importFile({ path: env.file('students.csv', students([['K1', 'Kim', 'Keep', '', '1', 'N', '', '']])), origin: 'test' });
    const rec = await env.roster.importFile({ path: env.file('students.csv', text), origin: 'test' });
    expect(rec.status).toBe('refused');
    expect(rec.reason).toMatch(reason);
    expect(env.count()).toBe(1);
    expect(env.roster.listImports()[0]).toMatchObject({ id: rec.id, status: 'refused' });
  });

  it('refuses a file with more error rows than roster.max_error_percent, changing nothing', async () => {
    env = makeEnv();
    const rows = Array.from({ length: 19 }, (_, i) => [`E${i}`, `N${i}`, `L${i}`, '', '1', 'N', '', '']);
    rows[3]![2] = '';
    rows[7]![0] = '1.2E+5';
    const rec = await env.roster.importFile({ path: env.file('students.csv', students(rows)), origin: 'test' });
    expect(rec.status).toBe('refused');
    expect(rec.reason).toBe('2 of 19 rows (10.5%) have errors, more than the 5% allowed (roster.max_error_percent): fix the lines listed and upload the file again');
    expect(rec.errors.map((e) => e.line)).toEqual([5, 9]);
    expect(env.count()).toBe(0);
  });

  it('flags control characters and rows with the wrong number of values', async () => {
    env = makeEnv('[roster]\nmax_error_percent = 100');
    const text = 'Local ID,First Name,Last Name\r\nC1,An\u0007n,Lee\r\nC2,Bob\r\nC3,Cy,Day,extra\r\nC4,Di,Doe,,,\r\n';
    const rec = await env.roster.importFile({ path: env.file('students.csv', text), origin: 'test' });
    expect(rec.errors.map((e) => [e.line, e.message])).toEqual([
      [2, 'First Name contains a control character or line break: remove it in the SIS'],
      [3, 'has 2 values but the header has 3 columns (a line break inside a value that is not quoted?); Last Name is empty'],
      [4, 'has 4 values but the header has 3 columns (a comma inside a value that is not quoted?)'],
    ]);
    expect(env.user('C4')).toMatchObject({ first_name: 'Di' });
  });
});

describe('hostile files', () => {
  it('one Local ID on 50,000 lines: every line reported in linear time, messages stay short', async () => {
    env = makeEnv();
    const text = 'Local ID,First Name,Last Name\r\n' + 'X1,Ann,Lee\r\n'.repeat(50_000);
    const rec = await env.roster.importFile({ path: env.file('students.csv', text), origin: 'test' });
    expect(rec).toMatchObject({ status: 'refused', error_count: 50_000 });
    expect(rec.errors[0]).toEqual({ line: 2, local_id: 'X1', message: 'Local ID "X1" is also on line 3, 4, 5, 6, 7 and 49994 more: none of these lines was imported; keep one' });
    expect(rec.errors[9999]!.message).toBe('Local ID "X1" is also on line 2, 3, 4, 5, 6 and 49994 more: none of these lines was imported; keep one');
    expect(env.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM import_errors')!.n).toBe(10_000);
  });

  it('a megabyte-long bad Local ID is named in a short message', async () => {
    env = makeEnv('[roster]\nmax_error_percent = 100');
    const rec = await env.roster.importFile({ path: env.file('students.csv', `Local ID,First Name,Last Name\r\n${'9/'.repeat(500_000)},Ann,Lee\r\n`), origin: 'test' });
    expect(rec.errors[0]!.message).toBe('Local ID is 1000000 characters long; the most allowed is 64; Local ID "9/9/9/9/9/9/9/9/9/9/9/9/9/9/9/9/9/9/9/9/…" contains "/" or "\\", which cannot be part of a photo file name');
    expect(rec.errors[0]!.local_id).toHaveLength(64);
  });
});

describe('limits', () => {
  it('stops reading and refuses a file with more rows than one import takes', async () => {
    const { parseRosterFile, RefusedFile } = await import('../../src/domain/roster/parse-roster.ts');
    const { openStaging } = await import('../../src/storage/roster-staging.ts');
    env = makeEnv();
    const path = env.file('students.csv', students(numbered(1_500)));
    const opts = { kind: 'students' as const, file: 'students.csv', cleverStudentId: 'Student_number', cleverTeacherId: 'Teacher_number', companion: () => undefined };
    const staging = openStaging(env.file('staging.db', ''));
    const err = await parseRosterFile(path, { ...opts, maxRows: 1_000 }, staging).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RefusedFile);
    expect((err as Error).message).toBe('the file has more than 1,000 data rows, more than one import takes: split the export (e.g. by building)');
    staging.close();
    const again = openStaging(env.file('staging-2.db', ''));
    expect((await parseRosterFile(path, { ...opts, maxRows: 1_500 }, again)).validRows).toBe(1_500);
    again.close();
  });

  it('keeps the first 10,000 error lines and counts them all', async () => {
    env = makeEnv();
    const text = 'Local ID,First Name,Last Name\r\n' + Array.from({ length: 12_000 }, (_, i) => `E${i},,Lee\r\n`).join('');
    const rec = await env.roster.importFile({ path: env.file('students.csv', text), origin: 'test' });
    expect(rec).toMatchObject({ status: 'refused', error_count: 12_000, rows: 12_000 });
    expect(env.roster.getImport(rec.id).errors).toHaveLength(10_000);
    expect(env.roster.getImport(rec.id).errors.at(-1)!.line).toBe(10_001);
  });
});
