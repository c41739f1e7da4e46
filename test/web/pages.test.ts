import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUsers, createTestSite, signIn, type Session, type TestSite } from './helpers.ts';

describe('search, profiles, audit and admin pages', () => {
  let site: TestSite;
  let staff: Session;
  let admin: Session;
  const get = (path: string, s: Session) => site.web.request(path, { headers: { cookie: s.cookie } });
  const post = (path: string, s: Session, fields: Record<string, string>) =>
    site.web.request(path, {
      method: 'POST',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: s.csrf, ...fields }).toString(),
    });

  beforeAll(async () => {
    site = await createTestSite();
    addUsers(site.db, [
      { local_id: 'S1', first_name: 'Maria', last_name: 'Garcia', grade: '9', building: 'HS' },
      { local_id: 'S2', first_name: 'Alan', last_name: 'Garcia', role: 'staff', building: 'MS' },
      { local_id: 'S3', first_name: 'Gary', last_name: 'Smith', grade: '4', building: 'ES' },
      { local_id: 'S4', first_name: 'Old', last_name: 'Garcia', active: 0, grade: '12', building: 'HS' },
      { local_id: 's1', first_name: 'Lower', last_name: 'Case' },
      { local_id: 'S10', first_name: 'Ten', last_name: 'Prefix' },
      { local_id: 'X1', first_name: 'Maria', middle_name: 'Elena', last_name: 'Lopez', grade: '9', building: 'HS' },
      { local_id: 'X2', first_name: 'Zoë', last_name: "O'Brien", grade: '9', building: 'HS' },
      { local_id: 'X3', first_name: '100%', last_name: 'Under_score' },
    ]);
    staff = await signIn(site.web, 'desk');
    admin = await signIn(site.web, 'admin');
  });
  afterAll(() => site.close());

  it.each([
    ['garcia', ['S2', 'S1', 'S4']],
    ['GAR', ['S2', 'S1', 'S3', 'S4']],
    ['maria', ['S1', 'X1']],
    ['maria garc', ['S1']],
    ['garc maria', ['S1']],
    ['maria elena lopez', ['X1']],
    ["o'b", ['X2']],
    ['zoë', ['X2']],
    ['S1', ['S1', 's1', 'S10']],
    ['s1', ['s1', 'S1', 'S10']],
    ['100%', ['X3']],
    ['under_', ['X3']],
    ['under%', []],
    ['nobody', []],
  ])('search %j finds %j (exact Local ID first, then active before inactive, last names before first names)', (q, ids) => {
    expect(site.app.ctx.users.search({ q }).users.map((u) => u.local_id)).toEqual(ids);
  });

  it('filters by role, building and grade, with or without a query', () => {
    expect(site.app.ctx.users.search({ q: 'garcia', role: 'staff' }).users.map((u) => u.local_id)).toEqual(['S2']);
    expect(site.app.ctx.users.search({ building: 'HS', grade: '9' }).users.map((u) => u.local_id)).toEqual(['S1', 'X1', 'X2']);
    expect(site.app.ctx.users.search({}).users).toEqual([]);
  });

  it('says when there are more matches than shown', () => {
    const r = site.app.ctx.users.search({ q: 'gar', limit: 2 });
    expect(r.users).toHaveLength(2);
    expect(r.more).toBe(true);
  });

  it('renders the results fragment alone for search-as-you-type, and the whole page otherwise', async () => {
    const fragment = await (await get('/search?q=garcia&fragment=1', staff)).text();
    expect(fragment).toMatch(/^<p class="count" data-summary[^>]*>/);
    expect(fragment).toContain('3 people match “garcia”.');
    expect(fragment).toContain('<img src="/photos/S1?size=thumb" alt="Maria Garcia"');
    expect(fragment).not.toContain('<html');
    const page = await (await get('/search?q=garcia', staff)).text();
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('<label for="q">Name or Local ID</label>');
    expect(page).toMatch(/<option value="HS"[^>]*>HS<\/option>/);
  });

  it('escapes names everywhere they are shown', async () => {
    addUsers(site.db, [{ local_id: 'XSS1', first_name: '<img src=x onerror=alert(1)>', last_name: '"><script>alert(2)</script>' }]);
    const results = await (await get('/search?q=XSS1&fragment=1', staff)).text();
    const profile = await (await get('/users/XSS1', staff)).text();
    for (const html of [results, profile]) {
      expect(html).not.toContain('<script>alert(2)</script>');
      expect(html).not.toContain('<img src=x');
      expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    }
  });

  it('shows a profile, records the view, and answers 404 for an unknown Local ID', async () => {
    const res = await get('/users/X1', staff);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<h1>Maria Elena Lopez</h1>');
    expect(html).toContain('alt="Maria Elena Lopez"');
    expect(html).not.toContain('Photo history');
    const missing = await get('/users/NOPE', staff);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('No user has Local ID NOPE.');
    const views = site.app.ctx.audit.list({ localId: 'X1' });
    expect(views[0]).toMatchObject({ actor: 'desk', action: 'profile.view', local_id: 'X1' });
  });

  it('records a photo view per viewer and size once a minute, and not the placeholder', async () => {
    const before = site.app.ctx.audit.list({ localId: 'S3', limit: 1000 }).length;
    const res = await get('/photos/S3?size=thumb', staff);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-photo')).toBe('placeholder');
    expect(site.app.ctx.audit.list({ localId: 'S3', limit: 1000 })).toHaveLength(before);
    // Views of a real photo are exercised in the browser test; here the dedupe rule itself.
    const audit = site.app.ctx.audit;
    const now = Date.now();
    audit.record({ actor: 'desk', action: 'photo.view', local_id: 'Q1', detail: 'thumb' }, now);
    audit.record({ actor: 'desk', action: 'photo.view', local_id: 'Q1', detail: 'thumb' }, now + 30_000);
    audit.record({ actor: 'desk', action: 'photo.view', local_id: 'Q1', detail: 'profile' }, now + 30_000);
    audit.record({ actor: 'admin', action: 'photo.view', local_id: 'Q1', detail: 'thumb' }, now + 30_000);
    audit.record({ actor: 'desk', action: 'photo.view', local_id: 'Q1', detail: 'thumb' }, now + 61_000);
    expect(audit.list({ localId: 'Q1' }).map((e) => `${e.actor}:${e.detail}`)).toEqual(['desk:thumb', 'admin:thumb', 'desk:profile', 'desk:thumb']);
  });

  it('lets admins read the audit log per user and per account', async () => {
    await get('/users/S3', staff);
    const html = await (await get('/admin/audit?local_id=S3', admin)).text();
    expect(html).toContain('Audit log: Gary Smith');
    expect(html).toContain('Viewed profile');
    const byActor = await (await get('/admin/audit?actor=desk', admin)).text();
    expect(byActor).toContain('Signed in');
    const profile = await (await get('/users/S3', admin)).text();
    expect(profile).toContain('Who viewed this person');
    expect(profile).toContain('Photo history');
  });

  it('shows the status page with counts and the SFTP connection details', async () => {
    const html = await (await get('/admin/status', admin)).text();
    expect(html).toContain('Active students');
    expect(html).toContain('Active students without a photo');
    expect(html).toMatch(/<p>Staff: (all \d+ active staff have a photo|<a href="\/search\?role=staff">\d+<\/a> of \d+ active staff have no photo)\.<\/p>/);
    expect(html).toContain(site.app.ctx.hostKeys[0]!.fingerprint);
    expect(html).toContain('<dd class="mono">127.0.0.1</dd>');
    expect(html).toContain(`ssh-ed25519 255 ${site.app.ctx.hostKeys[0]!.fingerprint.slice(7)}`);
    expect(html).toContain('No backup has been taken with <code>idphotos backup</code>');
    // A backup recorded more than a week ago is flagged.
    site.db.run("INSERT INTO audit_log (at, actor, action, detail) VALUES (?, 'cli:root', 'backup', 'to /srv/backup/b1: 3 users')", new Date(Date.now() - 8 * 86_400_000).toISOString());
    const later = (await (await get('/admin/status', admin)).text()).replace(/<[^>]+>/g, '');
    expect(later).toMatch(/by cli:root over 7 days old\s*to \/srv\/backup\/b1: 3 users/);
  });

  it('approves and discards held imports from the imports page, with the CSRF token', async () => {
    const { ctx } = site.app;
    const file = join(site.dir, 'students.csv');
    const rows = ['Student_Number,First_Name,Last_Name,Grade'];
    for (let i = 0; i < 40; i++) rows.push(`R${i},First${i},Last${i},5`);
    writeFileSync(file, rows.join('\n') + '\n');
    await ctx.roster.importFile({ path: file, origin: 'cli' });
    writeFileSync(file, rows.map((r, i) => (i ? r.replace(/,5$/, ',6') : r)).join('\n') + '\n=cmd|calc,,y,7\n');
    const held = await ctx.roster.importFile({ path: file, origin: 'cli' });
    expect(held.status).toBe('held');

    const list = await (await get('/admin/imports', admin)).text();
    expect(list).toContain('Waiting for a decision');
    expect(list).toContain(`action="/admin/imports/${held.id}/approve"`);
    const detail = await (await get(`/admin/imports/${held.id}`, admin)).text();
    expect(detail).toContain('Errors by line');
    const csv = await get(`/admin/imports/${held.id}/errors.csv`, admin);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="import-\d+-students-errors.csv"$/);
    const text = await csv.text();
    expect(text).toContain(`"'=cmd|calc"`);
    expect(text).not.toMatch(/(^|,)"=cmd/m);

    expect((await site.web.request(`/admin/imports/${held.id}/approve`, { method: 'POST', headers: { cookie: admin.cookie } })).status).toBe(403);
    expect((await post(`/admin/imports/${held.id}/approve`, staff, {})).status).toBe(403);
    const approved = await post(`/admin/imports/${held.id}/approve`, admin, {});
    expect(approved.status).toBe(303);
    expect(approved.headers.get('location')).toBe(`/admin/imports/${held.id}?done=approve`);
    expect(ctx.roster.getImport(held.id).status).toBe('applied');
    expect(site.db.get<{ grade: string }>("SELECT grade FROM users WHERE local_id = 'R1'")!.grade).toBe('6');
    expect(site.app.ctx.audit.list({ actor: 'admin' }).some((e) => e.action === 'admin.action' && e.detail.startsWith(`import ${held.id} approved`))).toBe(true);

    writeFileSync(file, rows.map((r, i) => (i ? r.replace(/,5$/, ',7') : r)).join('\n') + '\n');
    const again = await ctx.roster.importFile({ path: file, origin: 'cli' });
    expect(again.status).toBe('held');
    expect((await post(`/admin/imports/${again.id}/discard`, admin, {})).status).toBe(303);
    expect(ctx.roster.getImport(again.id).status).toBe('discarded');
    expect(site.db.get<{ grade: string }>("SELECT grade FROM users WHERE local_id = 'R1'")!.grade).toBe('6');
  });

  it('serves a replaced photo at once, though display images are cached in memory', async () => {
    const { ctx } = site.app;
    const file = join(site.dir, 'S2.jpg');
    const etags: string[] = [];
    const bodies: string[] = [];
    for (const background of ['#336699', '#993366']) {
      writeFileSync(file, await sharp({ create: { width: 120, height: 160, channels: 3, background } }).jpeg().toBuffer());
      await ctx.photos.addFile(file, { account: 'district' });
      for (let i = 0; i < 2; i++) {
        const res = await get('/photos/S2?size=thumb', staff);
        expect(res.status).toBe(200);
        expect(res.headers.get('x-photo')).toBeNull();
        etags.push(res.headers.get('etag')!);
        bodies.push(Buffer.from(await res.arrayBuffer()).toString('base64'));
      }
    }
    expect(etags[0]).toBe(etags[1]);
    expect(bodies[0]).toBe(bodies[1]);
    expect(etags[2]).not.toBe(etags[1]);
    expect(bodies[2]).not.toBe(bodies[1]);
    expect(bodies[3]).toBe(bodies[2]);
    const { dominant } = await sharp(Buffer.from(bodies[3]!, 'base64')).stats();
    expect(dominant.r).toBeGreaterThan(dominant.b);
    const notModified = await site.web.request('/photos/S2?size=thumb', { headers: { cookie: staff.cookie, 'if-none-match': etags[3]! } });
    expect(notModified.status).toBe(304);
  });

  it('lets an admin restore an earlier photo from the profile, and only an admin', async () => {
    const { ctx } = site.app;
    const older = ctx.photos.history('S2').find((v) => !v.current)!;
    const profile = await (await get('/users/S2', admin)).text();
    expect(profile).toContain('action="/users/S2/photo/restore"');
    expect(profile).toContain(`name="version_id" value="${older.version_id}"`);
    expect((await post('/users/S2/photo/restore', staff, { version_id: String(older.version_id) })).status).toBe(403);
    expect((await post('/users/S2/photo/restore', admin, { version_id: 'x' })).status).toBe(400);
    const res = await post('/users/S2/photo/restore', admin, { version_id: String(older.version_id) });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/users/S2?restored');
    expect(ctx.photos.photo('S2')!.source_sha256).toBe(older.source_sha256);
    expect(await (await get('/users/S2?restored', admin)).text()).toContain('The photo was restored.');
  });

  it('shows unmatched and refused photos to admins', async () => {
    const { ctx } = site.app;
    const text = join(site.dir, 'S3.jpg');
    writeFileSync(text, 'not an image');
    await ctx.photos.addFile(text, { account: 'district' }).catch(() => undefined);
    const html = await (await get('/admin/photos', admin)).text();
    expect(html).toContain('Refused uploads (1)');
    expect(html).toContain('the file is not an image');
  });
});
