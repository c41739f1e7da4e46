import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DirectoryFolder } from '../../src/domain/incoming/directory-folder.ts';
import { DataFolder } from '../../src/domain/roster/data-folder.ts';
import { DataFileRegistry, registerRosterFiles } from '../../src/domain/roster/file-kinds.ts';
import type { DataFileJob } from '../../src/domain/roster/file-kinds.ts';
import { parseConfig } from '../../src/config/parse.ts';

const dir = mkdtempSync(join(tmpdir(), 'idphotos-data-folder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('/incoming/data/', () => {
  const config = parseConfig('[roster.mapping."pupils.csv"]\nkind = "students"\nlocal_id = "Pupil"\n', '', dir);
  const registry = new DataFileRegistry();
  registerRosterFiles(registry, config.roster, async () => undefined);
  const jobs: DataFileJob[] = [];
  const folder = new DataFolder(new DirectoryFolder({ name: 'data', dir: join(dir, 'data'), maxBytes: 1e6, allowedExtensions: ['.csv'] }), registry, (j) => jobs.push(j));

  it.each([
    ['students.csv', undefined],
    ['teachers.csv', undefined],
    ['users.csv', undefined],
    ['manifest.csv', undefined],
    ['enrollments.csv', undefined],
    ['pupils.csv', undefined],
    ['Students.csv', 'names are case-sensitive: upload it as "students.csv"'],
    ['STAFF.CSV', 'names are case-sensitive: upload it as "staff.csv"'],
    ['export.csv', '"export.csv" is not a data file idphotos reads: accepted here: students.csv, staff.csv, teachers.csv, users.csv, pupils.csv, and OneRoster'],
    ['students.txt', 'only .csv files are accepted here'],
  ])('%s → %s', (name, refusal) => {
    if (refusal) expect(() => folder.checkName(name)).toThrow(refusal);
    else expect(() => folder.checkName(name)).not.toThrow();
  });

  it('hands a committed roster file to the importer with the uploading account, and drops a refused upload', async () => {
    const temp = join(dir, 'upload.tmp');
    writeFileSync(temp, 'Local ID,First Name,Last Name\n1,A,B\n');
    await folder.commit({ tempPath: temp, name: 'students.csv', size: 36, account: 'district' });
    expect(jobs).toEqual([{ name: 'students.csv', path: join(dir, 'data', 'students.csv'), origin: 'sftp:district' }]);
    writeFileSync(temp, 'x');
    await expect(folder.commit({ tempPath: temp, name: 'Students.csv', size: 1, account: 'district' })).rejects.toThrow(/case-sensitive/);
    expect(existsSync(temp)).toBe(false);
    expect(folder.list().map((e) => e.name)).toEqual(['students.csv']);
  });
});
