import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { addUsers } from '../web/helpers.ts';
import { snapshot } from './helpers.ts';
import { focusedId, launchChromium, localFiles, portrait, signInPage, startSite, type Site } from './site.ts';
import { databaseOf } from '../../src/storage/index.ts';

/**
 * The modelled flow end to end: devices.csv and a photo over real SFTP (OpenSSH's client),
 * then rapid check-out and check-in in real Chromium by keyboard alone.
 */
let site: Site;
let browser: Browser;
let desk: BrowserContext;
let page: Page;

const today = new Date().toISOString().slice(0, 10);
const SCREENSHOTS = process.env.IDPHOTOS_SCREENSHOTS; // set to write docs/screenshots/checkout*.png

beforeAll(async () => {
  site = await startSite();
  addUsers(databaseOf(site.app.storage), [
    { local_id: 'S001', first_name: 'Zoë', last_name: "O'Brien", grade: '7', building: 'North Middle', email: 'zoe.obrien@school.example' },
    { local_id: 'S002', first_name: 'Thảo', last_name: 'Nguyễn', grade: '10', building: 'Central High' },
    { local_id: 'S003', first_name: 'Left', last_name: 'Lastyear', grade: '12', building: 'Central High', active: 0 },
  ]);
  browser = await launchChromium();
  desk = await browser.newContext({ viewport: { width: 1200, height: 860 } });
  page = await desk.newPage();
});
afterAll(async () => {
  await browser?.close();
  await site?.close();
});

/** What the panel says after a step, once the script (or the page load) has settled focus. */
async function enter(text: string, expectFocus: string): Promise<void> {
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
  await page.waitForFunction((id) => document.activeElement?.id === id || (id === 'confirm' && document.activeElement?.tagName === 'BUTTON'), expectFocus);
}

describe('devices.csv and a photo over real SFTP', () => {
  it('imports devices.csv (leading zeros, a 1:1 assignment) through the import pipeline', async () => {
    const csv = 'Asset Tag,Serial Number,Model,Building,Status,Local ID\r\n' +
      '00042,5CD1234XYZ,Chromebook 14,North Middle,Available,\r\n' +
      '00043,5CD1234XZA,Chromebook 14,North Middle,,\r\n' +
      '00044,DMPX88,iPad 10th gen,Central High,,S002\r\n' +
      '00045,DMPX89,iPad 10th gen,Central High,In Repair,\r\n';
    const folder = localFiles(site, { 'devices.csv': csv, 'S001.jpg': await portrait() });
    const res = await site.sftp(['put devices.csv /incoming/data/devices.csv', 'put S001.jpg /incoming/idphotos/S001.jpg'], folder);
    expect(res.code, res.stderr).toBe(0);
    await site.app.ctx.imports.idle();
    const [rec] = site.app.ctx.roster.listImports();
    expect(rec).toMatchObject({ file: 'devices.csv', kind: 'devices', status: 'applied', added: 4, origin: 'sftp:district', errors: [] });
    expect(site.app.ctx.devices.get('00044')).toMatchObject({ status: 'checked_out', local_id: 'S002' });
    // The photo store finishes the display sizes off the SFTP session; wait for it to be current.
    await expect.poll(() => site.app.ctx.photos.photo('S001'), { timeout: 20_000 }).not.toBeNull();
  });
});

describe('rapid check-out in Chromium, by keyboard alone', () => {
  it('checks a device out: device field → user field → large photo → Enter → device field again', async () => {
    await signInPage(page, site.base, 'desk');
    await page.goto(`${site.base}/checkout`);
    await expect.poll(() => focusedId(page), { timeout: 5000 }).toBe('device');

    await enter('00042', 'user');
    await expect.poll(() => page.locator('.step-done').textContent()).toContain('Chromebook 14');
    const photo = page.waitForResponse((r) => r.url().includes('/photos/S001'));
    await enter('S001', 'confirm');
    expect((await photo).headers()['x-photo']).toBeUndefined();
    const img = page.locator('img.confirm-photo');
    await img.evaluate((el: HTMLImageElement) => el.decode());
    expect(await img.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBeGreaterThan(0);
    expect(await img.getAttribute('alt')).toBe("Zoë O'Brien");
    const facts = await page.locator('.confirm').textContent();
    expect(facts).toContain('7');
    expect(facts).toContain('North Middle');
    if (SCREENSHOTS) await page.screenshot({ path: 'docs/screenshots/checkout.png' });

    await page.keyboard.press('Enter');
    await page.waitForSelector('.alert.ok');
    await expect.poll(() => focusedId(page), { timeout: 5000 }).toBe('device');
    expect(await page.locator('.alert.ok').textContent()).toContain("Checked out 00042 (Chromebook 14) to Zoë O'Brien");
    expect(site.app.ctx.devices.get('00042')).toMatchObject({ status: 'checked_out', local_id: 'S001' });
    const loan = site.app.ctx.devices.profile('00042').loans[0]!;
    expect(loan).toMatchObject({ local_id: 'S001', checked_out_by: 'desk', checked_in_at: null });
  });

  it('takes a scanner that types the value with its start/stop characters and Enter, and shows the placeholder for a user without a photo', async () => {
    await page.keyboard.type('*00043*\n');
    await page.waitForFunction(() => document.activeElement?.id === 'user');
    const photo = page.waitForResponse((r) => r.url().includes('/photos/S002'));
    await page.keyboard.type('S002\n');
    await page.waitForFunction(() => document.activeElement?.tagName === 'BUTTON');
    expect((await photo).headers()['x-photo']).toBe('placeholder');
    const img = page.locator('img.confirm-photo');
    await img.evaluate((el: HTMLImageElement) => el.decode());
    expect(await img.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBeGreaterThan(0);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.alert.ok');
    expect(site.app.ctx.devices.get('00043').local_id).toBe('S002');
  });

  it.each([
    ['an unknown device', ['NOPE'], 'No device has the asset tag or serial number "NOPE"', 'device'],
    ['a device already checked out', ['00044'], 'already checked out to Thảo Nguyễn (S002)', 'device'],
    ['a device in repair', ['00045'], 'in repair', 'device'],
    ['an unknown user', ['00042x', 'S999'], 'No user has the Local ID or email "S999"', 'user'],
    ['an inactive user', ['00042x', 'S003'], 'Left Lastyear (S003) is inactive', 'user'],
  ])('shows %s inline, keeps focus for the next scan, and records nothing', async (_name, scans, message, field) => {
    if (scans[0] === '00042x') {
      // A free device first, so the refusal is about the user.
      site.app.ctx.devices.create({ asset_tag: `F${scans[1]}`, serial_number: '', model: 'Spare', building: '', status: 'available' }, { username: 'admin', role: 'admin' });
      scans = [`F${scans[1]}`, scans[1]!];
    }
    await page.goto(`${site.base}/checkout`);
    const before = snapshot(databaseOf(site.app.storage));
    for (const [i, scan] of scans.entries()) await enter(scan, i === scans.length - 1 ? field : 'user');
    const alert = page.locator('[role="alert"]');
    await expect.poll(() => alert.textContent()).toContain(message);
    expect(await alert.textContent()).toContain('Nothing was recorded.');
    await expect.poll(() => focusedId(page), { timeout: 5000 }).toBe(field);
    expect(snapshot(databaseOf(site.app.storage))).toBe(before);
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => document.activeElement?.id === 'device' && !document.querySelector('[role="alert"]'));
  });

  it('checks the device in the same way: Shift+Tab to "Check in", scan, confirm the photo, Enter', async () => {
    await page.goto(`${site.base}/checkout`);
    await page.keyboard.press('Shift+Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Check in');
    await Promise.all([page.waitForURL(/mode=in/), page.keyboard.press('Enter')]);
    await page.waitForFunction(() => document.activeElement?.id === 'device');
    await enter('5CD1234XYZ', 'confirm');
    expect(await page.locator('#confirm-name').textContent()).toBe("Zoë O'Brien");
    expect(await page.locator('img.confirm-photo').evaluate((el: HTMLImageElement) => el.decode().then(() => el.naturalWidth))).toBeGreaterThan(0);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.alert.ok');
    expect(await page.locator('.alert.ok').textContent()).toContain("Checked in 00042 (Chromebook 14) from Zoë O'Brien");
    await expect.poll(() => focusedId(page), { timeout: 5000 }).toBe('device');
    expect(site.app.ctx.devices.get('00042')).toMatchObject({ status: 'available', local_id: null });
    expect(site.app.ctx.devices.profile('00042').loans[0]).toMatchObject({ checked_in_by: 'desk' });
  });

  it('works the same with JavaScript turned off (plain forms and autofocus)', async () => {
    const ctx = await browser.newContext({ javaScriptEnabled: false });
    const p = await ctx.newPage();
    await signInPage(p, site.base, 'desk');
    await p.goto(`${site.base}/checkout`);
    // NB: Chromium applies autofocus in a rendering step that may come after the load event, so
    // each step waits for the focus to land before typing (a busy CI machine showed the race).
    const focusLands = (id: string) => expect.poll(() => focusedId(p), { timeout: 5000 }).toBe(id);
    await focusLands('device');
    for (const [text, next] of [['00042', 'user'], ['zoe.obrien@school.example', '']] as const) {
      await p.keyboard.type(text);
      await Promise.all([p.waitForNavigation(), p.keyboard.press('Enter')]);
      if (next) await focusLands(next);
    }
    await expect.poll(() => p.evaluate(() => document.activeElement?.tagName), { timeout: 5000 }).toBe('BUTTON');
    await Promise.all([p.waitForURL(/done=00042/), p.keyboard.press('Enter')]);
    await focusLands('device');
    expect(site.app.ctx.devices.get('00042').local_id).toBe('S001');
    await ctx.close();
  });
});

describe('device profile and incidents in Chromium', () => {
  it('shows the device profile: status, the current user with photo, the check-out history', async () => {
    await page.goto(`${site.base}/devices/00042`);
    expect(await page.locator('h1').textContent()).toBe('Device 00042');
    expect(await page.locator('.badge').first().textContent()).toBe('Checked out');
    const holder = page.locator('.holder img');
    expect(await holder.getAttribute('alt')).toBe("Zoë O'Brien");
    expect(await holder.evaluate((el: HTMLImageElement) => el.decode().then(() => el.naturalWidth))).toBeGreaterThan(0);
    const rows = await page.locator('section[aria-labelledby="history"] tbody tr').allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContain('desk');
    if (SCREENSHOTS) await page.screenshot({ path: 'docs/screenshots/checkout-device.png', fullPage: true });
  });

  it('records an incident by keyboard, shows it with the photo and the device, and only an admin closes it', async () => {
    await page.goto(`${site.base}/incidents/new?device=00044&user=S002`);
    await expect.poll(() => focusedId(page), { timeout: 5000 }).toBe('type');
    await page.keyboard.type('Damage');
    await page.keyboard.press('Tab');
    await expect.poll(() => focusedId(page), { timeout: 5000 }).toBe('description');
    await page.keyboard.type('Screen cracked on the school bus; the lid is bent near the hinge.');
    // The date keeps today's default; Tab walks through its day, month and year to the button.
    for (let i = 0; i < 6 && (await page.evaluate(() => document.activeElement?.tagName)) !== 'BUTTON'; i++) await page.keyboard.press('Tab');
    await Promise.all([page.waitForURL(/\/incidents\/\d+\?created/), page.keyboard.press('Enter')]);
    expect(await page.locator('.description').last().textContent()).toBe('Screen cracked on the school bus; the lid is bent near the hinge.');
    expect(await page.locator('a.mono').first().textContent()).toBe('00044');
    const img = page.locator('.holder img');
    expect(await img.getAttribute('alt')).toBe('Thảo Nguyễn');
    expect(await img.evaluate((el: HTMLImageElement) => el.decode().then(() => el.naturalWidth))).toBeGreaterThan(0);
    expect(await page.locator('text=Close incident').count()).toBe(0);
    const url = page.url().split('?')[0]!;
    const [incident] = site.app.ctx.incidents.list();
    expect(incident).toMatchObject({ asset_tag: '00044', local_id: 'S002', type: 'damage', occurred_on: today, created_by: 'desk' });
    if (SCREENSHOTS) await page.screenshot({ path: 'docs/screenshots/checkout-incident.png', fullPage: true });

    await page.goto(`${site.base}/incidents`);
    expect(await page.locator('tbody tr').first().textContent()).toContain('Thảo Nguyễn');

    const adminCtx = await browser.newContext();
    const admin = await adminCtx.newPage();
    await signInPage(admin, site.base, 'admin');
    await admin.goto(url);
    await admin.locator('#resolution').fill('Screen replaced; family paid the deductible.');
    await Promise.all([admin.waitForURL(/closed/), admin.locator('button', { hasText: 'Close incident' }).click()]);
    expect(site.app.ctx.incidents.get(incident!.id)).toMatchObject({ status: 'closed', closed_by: 'admin' });
    await adminCtx.close();
  });

  it('lists the devices and incidents on the user profile', async () => {
    await page.goto(`${site.base}/users/S002`);
    const section = page.locator('section[aria-labelledby="user-devices"]');
    const text = await section.textContent();
    expect(text).toContain('00043');
    expect(text).toContain('00044');
    expect(text).toContain('Damage');
  });
});

describe('an expired session in the middle of a check-out', () => {
  it('shows the sign-in page instead of the next step, and records nothing', async () => {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await signInPage(p, site.base, 'desk');
    await p.goto(`${site.base}/checkout`);
    await ctx.clearCookies();
    const before = snapshot(databaseOf(site.app.storage));
    await p.keyboard.type('00043\n');
    await p.waitForURL(/\/login\?next=/);
    expect(await p.locator('h1').textContent()).toContain('Sign in');
    expect(snapshot(databaseOf(site.app.storage))).toBe(before);
    await ctx.close();
  });
});
