import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.ts';
import { createWebApp } from '../../src/web/app.ts';
import { signInAs } from '../web/helpers.ts';
import { PASSWORD, sftpBatch, startHarness, tempDir, type Harness } from '../sftp/harness.ts';

let h: Harness;
let local: string;
let web: ReturnType<typeof createWebApp>;
let cookie: string;

beforeAll(async () => {
  h = await startHarness('[roster]\nquiet_seconds = 0\n[roster.buildings]\n"101" = "Lincoln Elementary"\n[roster.grades]\n"5" = "Fifth"\n');
  local = tempDir('idphotos-names-');
});
afterAll(async () => h?.stop());

async function upload(files: Record<string, string>): Promise<void> {
  const puts = ['cd /incoming/data'];
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(local, name), content);
    puts.push(`put ${name}`);
  }
  expect((await sftpBatch(h, puts, local)).code).toBe(0);
  await h.app.ctx.imports.idle();
}

async function html(path: string): Promise<string> {
  const res = await web.request(path, { headers: { cookie } });
  expect(res.status).toBe(200);
  return res.text();
}

describe('names for building and grade codes', () => {
  it('shows [roster.buildings], [roster.grades] and the default grade names in search, profiles, status and check-out; codes stay searchable', async () => {
    await upload({
      'students.csv': 'Student_Number,First_Name,Last_Name,Grade_Level,SchoolID,Enroll_Status\r\n300001,Kim,Park,0,101,0\r\n300002,Lou,Reed,-1,102,0\r\n300003,Max,Ray,5,101,0\r\n',
      'devices.csv': 'Asset Tag,Serial Number,Model,Building,Status,Local ID\r\n00042,5CD1,Chromebook,101,Available,\r\n',
    });
    // NB: signed in after the upload: the search page keeps its filter lists for 30 s.
    web = createWebApp(h.app.ctx);
    ({ cookie } = await signInAs(web, 'admin', PASSWORD));
    const options = await html('/search');
    expect(options).toContain('<option value="101">Lincoln Elementary (101)</option>');
    expect(options).toContain('<option value="102">102</option>');
    expect(options).toContain('<option value="0">K (0)</option>');
    expect(options).toContain('<option value="-1">PK (-1)</option>');
    expect(options).toContain('<option value="5">Fifth (5)</option>');

    // The filter still takes the code, and the results read the names.
    const results = await html('/search?building=101&fragment');
    expect(results).toContain('300001 · Student · Grade K · Lincoln Elementary');
    expect(results).toContain('300003 · Student · Grade Fifth · Lincoln Elementary');
    expect(results).not.toContain('Reed');
    expect(await html('/search?q=300002&fragment')).toContain('300002 · Student · Grade PK · 102');

    const profile = await html('/users/300001');
    expect(profile).toContain('<dt>Grade</dt><dd><span>K <span class="muted mono">0</span></span></dd>');
    expect(profile).toContain('<span>Lincoln Elementary <span class="muted mono">101</span></span>');

    expect(await html('/admin/status')).toContain('<td>Lincoln Elementary</td><td>K</td>');

    // A near miss at the user step is offered (leading zeros, case), never applied.
    const miss = await web.request('/checkout?device=00042&user=0300001', { headers: { cookie } });
    expect(miss.status).toBe(404);
    const missHtml = await miss.text();
    expect(missHtml).toContain('No user has the Local ID or email &quot;0300001&quot;. Local IDs are case-sensitive; check the card or search for the person. Did you mean 300001? Nothing was recorded.');
    expect(missHtml).toContain('href="/checkout?mode=out&amp;device=00042&amp;user=300001"');
    expect(missHtml).toContain('(differs only by leading zeros)');
    const checkout = await html('/checkout?device=00042&user=300001');
    expect(checkout).toContain('<dt>Grade</dt><dd>K</dd><dt>Building</dt><dd>Lincoln Elementary</dd>');
  });

  it("shows a device's latest action as its last change, not the devices.csv that created it", async () => {
    const session = await signInAs(web, 'admin', PASSWORD);
    const before = await html('/devices/00042');
    expect(before).toMatch(/<dt>Last change<\/dt><dd class="muted">[^<]*Added by import:devices\.csv<\/dd>/);
    const form = (body: Record<string, string>) => web.request('/checkout', { method: 'POST', headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': session.csrf }, body: new URLSearchParams({ ...body, _csrf: session.csrf }).toString() });
    expect((await form({ mode: 'out', asset_tag: '00042', local_id: '300001' })).status).toBe(303);
    expect(await html('/devices/00042')).toMatch(/<dt>Last change<\/dt><dd class="muted">[^<]*: Checked out by admin<\/dd>/);
    expect((await form({ mode: 'in', asset_tag: '00042', local_id: '300001' })).status).toBe(303);
    expect(await html('/devices/00042')).toMatch(/<dt>Last change<\/dt><dd class="muted">[^<]*: Checked in by admin<\/dd>/);
  });

  it('takes building names from an uploaded schools.csv, recorded in the import history; the configuration wins', async () => {
    await upload({ 'schools.csv': 'School_Number,School_Name,Principal\r\n101,Not This Name,A\r\n102,Roosevelt Middle,B\r\n,Nameless,C\r\n' });
    const [rec] = h.app.ctx.roster.listImports();
    expect(rec).toMatchObject({ file: 'schools.csv', kind: 'schools', status: 'applied', added: 2, rows: 3, error_count: 1, columns_ignored: ['Principal'] });
    expect(rec!.errors).toEqual([{ line: 4, local_id: '', message: 'the code is empty' }]);
    const results = await html('/search?q=300002&fragment');
    expect(results).toContain('Grade PK · Roosevelt Middle');
    expect(await html('/search?building=101&fragment')).toContain('Lincoln Elementary');
  });

  it('takes them from a OneRoster orgs.csv (identifier and sourcedId), and refuses a file without a name column', async () => {
    await upload({ 'orgs.csv': 'sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\r\norg-9,,,Washington High,school,103,\r\n' });
    await upload({ 'students.csv': 'Student_Number,First_Name,Last_Name,Grade_Level,SchoolID,Enroll_Status\r\n300001,Kim,Park,0,101,0\r\n300002,Lou,Reed,-1,102,0\r\n300003,Max,Ray,5,101,0\r\n300004,Ned,Fox,9,103,0\r\n' });
    expect(await html('/search?q=300004&fragment')).toContain('Grade 9 · Washington High');
    await upload({ 'schools.csv': 'Code,Principal\r\n101,A\r\n' });
    const [refused] = h.app.ctx.roster.listImports();
    expect(refused).toMatchObject({ file: 'schools.csv', status: 'refused' });
    expect(refused!.reason).toContain('schools.csv needs a column with the building code');
    // Refused: the names from the last good schools.csv stay.
    expect(await html('/search?q=300002&fragment')).toContain('Roosevelt Middle');
  });

  it('refuses a schools.csv longer than 10,000 rows, keeping the names it had', async () => {
    const rows = Array.from({ length: 10_001 }, (_, i) => `${5000 + i},School ${i}`);
    await upload({ 'schools.csv': `School_Number,School_Name\r\n${rows.join('\r\n')}\r\n` });
    const [refused] = h.app.ctx.roster.listImports();
    expect(refused).toMatchObject({ file: 'schools.csv', status: 'refused', reason: 'schools.csv has more than 10,000 rows; a list of schools is never that long' });
    expect(await html('/search?q=300002&fragment')).toContain('Roosevelt Middle');
  });

  it('refuses a name that is not a string in appliance.toml, naming the key', () => {
    expect(() => parseConfig('[roster.buildings]\n"101" = 5\n', 'appliance.toml')).toThrow('roster.buildings.101: must be a name in quotes, not number 5');
  });
});
