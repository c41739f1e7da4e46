import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeEnv, type Env } from '../roster/helpers.ts';
import { launchChromium } from '../web/browser.ts';
import { createTestSite, PASSWORDS, signIn, type Session, type TestSite } from '../web/helpers.ts';
import { portraitJpeg } from '../web/portraits.ts';

const sha256 = (b: Uint8Array | ArrayBuffer) => createHash('sha256').update(new Uint8Array(b)).digest('hex');

describe('the opt-out column in roster imports', () => {
  let env: Env;
  afterEach(() => env?.close());

  it('reads Photo Opt Out in the native layout as yes/no, true/false, 1/0, Y/N; empty is no; anything else is a line error', async () => {
    env = makeEnv();
    const text = [
      'Local ID,First Name,Last Name,Grade,Photo Opt Out',
      'S1,A,One,5,yes', 'S2,B,Two,5,No', 'S3,C,Three,5,TRUE', 'S4,D,Four,5,false', 'S5,E,Five,5,1', 'S6,F,Six,5,0', 'S7,G,Seven,5,Y', 'S8,H,Eight,5,n',
      'S9,I,Nine,5,', 'S10,J,Ten,5,maybe',
      ...Array.from({ length: 30 }, (_, i) => `T${i},K,Filler,5,`),
    ].join('\n');
    const rec = await env.roster.importFile({ path: env.file('students.csv', text), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', added: 39, error_count: 1, opted_out: 4 });
    expect(rec.errors).toEqual([{ line: 11, local_id: 'S10', message: 'Photo Opt Out "maybe" is not one of yes/no, true/false, 1/0, Y/N (leave it empty for no)' }]);
    const flags = Object.fromEntries(['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S8', 'S9'].map((id) => [id, env.user(id)!.opt_out]));
    expect(flags).toEqual({ S1: 1, S2: 0, S3: 1, S4: 0, S5: 1, S6: 0, S7: 1, S8: 0, S9: 0 });
  });

  it('a later file changes the flag; a file without the column leaves it as it was', async () => {
    env = makeEnv();
    // Ten unchanged people keep the change share under roster.hold_change_percent.
    const others = Array.from({ length: 10 }, (_, i) => `T${i},K,Same`);
    const file = (header: string, rows: string[]) => env.file('students.csv', [header, ...rows].join('\n'));
    await env.roster.importFile({ path: file('Local ID,First Name,Last Name,Photo Opt Out', ['S1,A,One,Y', 'S2,B,Two,N', ...others.map((o) => `${o},`)]), origin: 'test' });
    const flipped = await env.roster.importFile({ path: file('Local ID,First Name,Last Name,Photo Opt Out', ['S1,A,One,N', 'S2,B,Two,Y', ...others.map((o) => `${o},`)]), origin: 'test' });
    expect(flipped).toMatchObject({ status: 'applied', updated: 2, unchanged: 10, opted_out: 1 });
    expect([env.user('S1')!.opt_out, env.user('S2')!.opt_out]).toEqual([0, 1]);
    const without = await env.roster.importFile({ path: file('Local ID,First Name,Last Name', ['S1,A,One', 'S2,B,Two', ...others]), origin: 'test' });
    expect(without).toMatchObject({ status: 'applied', updated: 0, unchanged: 12, opted_out: 0 });
    expect([env.user('S1')!.opt_out, env.user('S2')!.opt_out]).toEqual([0, 1]);
  });

  it.each([
    ['PowerSchool-style', 'Student_Number,First_Name,Last_Name,Directory_Opt_Out'],
    ['FERPA flag', 'Student ID,First Name,Last Name,FERPA Opt Out'],
    ['media release', 'Student ID,First Name,Last Name,Media Opt Out'],
    ['publicity', 'Student ID,First Name,Last Name,Publicity Opt-Out'],
  ])('recognises a common SIS column name (%s)', async (_name, header) => {
    env = makeEnv();
    const rec = await env.roster.importFile({ path: env.file('students.csv', `${header}\nS1,A,One,Y\nS2,B,Two,N\n`), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', added: 2, opted_out: 1 });
    expect(env.user('S1')!.opt_out).toBe(1);
  });

  it('reads the column [roster.mapping."F"] opt_out names', async () => {
    env = makeEnv('[roster.mapping."pupils.csv"]\nkind = "students"\nlocal_id = "Pupil"\nfirst_name = "Given"\nlast_name = "Family"\nopt_out = "Withhold Picture"\n');
    const rec = await env.roster.importFile({ path: env.file('pupils.csv', 'Pupil,Given,Family,Withhold Picture\nP1,A,One,Y\nP2,B,Two,\n'), origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', added: 2, opted_out: 1 });
    expect([env.user('P1')!.opt_out, env.user('P2')!.opt_out]).toEqual([1, 0]);
  });
});

describe('an opted-out student in the web viewer, the API and to tokens', () => {
  let site: TestSite;
  let desk: Session;
  let admin: Session;
  let photoSha = '';
  let placeholderSha = '';
  let token = '';

  beforeAll(async () => {
    site = await createTestSite();
    const { ctx } = site.app;
    await ctx.photos.start();
    const inbox = join(site.dir, 'in');
    mkdirSync(inbox, { recursive: true });
    const roster = join(inbox, 'students.csv');
    writeFileSync(roster, 'Local ID,First Name,Last Name,Grade,Photo Opt Out\nS1,Olive,Optout,5,Y\nS2,Paul,Public,5,N\nS3,Nora,Nophoto,5,N\n');
    const rec = await ctx.roster.importFile({ path: roster, origin: 'test' });
    expect(rec).toMatchObject({ status: 'applied', opted_out: 1 });
    for (const [id, seed] of [['S1', 1], ['S2', 2]] as const) {
      writeFileSync(join(inbox, `${id}.jpg`), await portraitJpeg(seed));
      await ctx.photos.addFile(join(inbox, `${id}.jpg`), { account: 'district' });
    }
    ctx.devices.create({ asset_tag: 'CB-1', serial_number: 'SN1', model: 'Chromebook', building: '', status: 'available' }, { username: 'admin', role: 'admin' });
    desk = await signIn(site.web, 'desk');
    admin = await signIn(site.web, 'admin');
    token = ctx.tokens.create('cardprinter', 'photos:read', 'cli:test').token;
    placeholderSha = sha256(await (await site.web.request('/photos/S3?size=full', { headers: { cookie: desk.cookie } })).arrayBuffer());
    photoSha = sha256(await ctx.photos.display('S1', 'full', undefined, { seesWithheld: true }).read());
    expect(photoSha).not.toBe(placeholderSha);
  });
  afterAll(() => site?.close());

  it('staff and tokens get the placeholder with X-Photo: withheld, in every size; admins get the photo', async () => {
    for (const size of ['thumb', 'profile', 'full']) {
      for (const headers of [{ cookie: desk.cookie }, { authorization: `Bearer ${token}` }] as Record<string, string>[]) {
        const res = await site.web.request(`/photos/S1?size=${size}`, { headers });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-photo')).toBe('withheld');
        expect(res.headers.get('etag')).not.toContain(photoSha.slice(0, 40));
        const body = await res.arrayBuffer();
        if (size === 'full') expect(sha256(body)).toBe(placeholderSha);
      }
    }
    const own = await site.web.request('/photos/S1?size=full', { headers: { cookie: admin.cookie } });
    expect(own.headers.get('x-photo')).toBeNull();
    expect(sha256(await own.arrayBuffer())).toBe(photoSha);
    // Another student's photo is untouched.
    const other = await site.web.request('/photos/S2?size=full', { headers: { cookie: desk.cookie } });
    expect(other.headers.get('x-photo')).toBeNull();
    await other.arrayBuffer();
  });

  it('the users API withholds the photo record from staff and tokens, not from admins', async () => {
    for (const headers of [{ cookie: desk.cookie }, { authorization: `Bearer ${token}` }] as Record<string, string>[]) {
      const json = await (await site.web.request('/api/users/S1', { headers })).json();
      expect(json).toMatchObject({ local_id: 'S1', first_name: 'Olive', opt_out: true, photo_withheld: true, photo: null });
    }
    const json = (await (await site.web.request('/api/users/S1', { headers: { cookie: admin.cookie } })).json()) as { photo: { source_sha256: string } | null };
    expect(json).toMatchObject({ opt_out: true, photo_withheld: false });
    expect(json.photo?.source_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await (await site.web.request('/api/users/S2', { headers: { cookie: desk.cookie } })).json()).photo).not.toBeNull();
  });

  it('placeholder views are not audited as photo views; the token read is audited as a use', async () => {
    site.app.ctx.audit.flush();
    const s1 = site.app.ctx.audit.list({ localId: 'S1', limit: 100 });
    expect(s1.filter((e) => e.action === 'photo.view' && e.actor === 'desk')).toEqual([]);
    expect(s1.filter((e) => e.action === 'photo.view' && e.actor === 'admin')).toHaveLength(1);
    expect(s1.some((e) => e.action === 'token.use' && e.actor === 'token:cardprinter')).toBe(true);
  });

  it('the profile says "Photo withheld" to staff and marks it for admins; the import report counts it', async () => {
    const staffPage = await (await site.web.request('/users/S1', { headers: { cookie: desk.cookie } })).text();
    expect(staffPage).toContain('Photo withheld');
    expect(staffPage).toContain('alt="Olive Optout: photo withheld"');
    const adminPage = await (await site.web.request('/users/S1', { headers: { cookie: admin.cookie } })).text();
    expect(adminPage).toContain('Opted out: photo withheld from staff');
    const public2 = await (await site.web.request('/users/S2', { headers: { cookie: desk.cookie } })).text();
    expect(public2).not.toContain('withheld');
    const imports = await (await site.web.request('/admin/imports/1', { headers: { cookie: admin.cookie } })).text();
    expect(imports).toContain('1 opted out of directory photos');
  });

  describe('in Chromium', () => {
    let browser: Browser;
    let base = '';
    beforeAll(async () => {
      const { webPort } = await site.app.start();
      base = `http://127.0.0.1:${webPort}`;
      browser = await launchChromium();
    });
    afterAll(() => browser?.close());

    async function signedIn(account: keyof typeof PASSWORDS) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${base}/login`);
      await page.getByLabel('User name').fill(account);
      await page.getByLabel('Password').fill(PASSWORDS[account]);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${base}/`);
      return page;
    }

    /** The bytes the browser itself got for an image on the page, and what the server called them. */
    async function shown(page: import('playwright-core').Page, selector: string) {
      const img = page.locator(selector).first();
      await img.waitFor();
      await page.waitForFunction((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0, await img.elementHandle());
      const src = await img.evaluate((el: HTMLImageElement) => el.currentSrc || el.src);
      const res = await page.request.get(src);
      return { sha: sha256(await res.body()), xPhoto: res.headers()['x-photo'] ?? null };
    }

    it('staff: search, profile and check-out show the placeholder and "Photo withheld", never the photo; the name stays', async () => {
      const page = await signedIn('desk');
      await page.getByLabel('Name or Local ID').pressSequentially('Optout', { delay: 20 });
      const hit = page.locator('#results .results a', { hasText: 'Optout, Olive' });
      await hit.waitFor();
      expect(await hit.textContent()).toContain('Photo withheld');
      const thumb = await shown(page, '#results img[alt="Olive Optout"]');
      expect(thumb.xPhoto).toBe('withheld');

      await page.goto(`${base}/users/S1`);
      expect((await page.getByRole('heading', { level: 1 }).textContent())?.trim()).toBe('Olive Optout');
      expect(await page.locator('main').textContent()).toContain('Photo withheld');
      const portrait = await shown(page, 'img.portrait');
      expect(portrait.xPhoto).toBe('withheld');
      expect(portrait.sha).not.toBe(photoSha);

      await page.goto(`${base}/checkout?device=CB-1&user=S1`);
      expect((await page.locator('#confirm-name').textContent())?.trim()).toBe('Olive Optout');
      expect(await page.locator('.confirm').textContent()).toContain('Photo withheld');
      const confirm = await shown(page, 'img.confirm-photo');
      expect(confirm.xPhoto).toBe('withheld');
      expect(confirm.sha).toBe(placeholderSha);
      await page.context().close();
    });

    it('admin: the profile shows the real photo, marked', async () => {
      const page = await signedIn('admin');
      await page.goto(`${base}/users/S1`);
      expect(await page.locator('main').textContent()).toContain('Opted out: photo withheld from staff');
      const portrait = await shown(page, 'img.portrait');
      expect(portrait.xPhoto).toBeNull();
      await page.context().close();
    });
  });
});
