import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserSite } from './browser-site.ts';
import { PASSWORDS, type TestSite } from './helpers.ts';

/** Set IDPHOTOS_SCREENSHOTS=docs/screenshots to refresh the README's pictures from this run. */
const SHOTS = process.env.IDPHOTOS_SCREENSHOTS ? resolve(process.env.IDPHOTOS_SCREENSHOTS) : undefined;

describe('web viewer in a real browser (Chromium)', () => {
  let site: TestSite;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    ({ site, browser, base } = await startBrowserSite());
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  async function signedIn(account: keyof typeof PASSWORDS): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    page.on('dialog', (d) => {
      throw new Error(`a dialog opened: ${d.message()}`);
    });
    await page.goto(`${base}/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.getByLabel('User name').fill(account);
    await page.getByLabel('Password').fill(PASSWORDS[account]);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/`);
    return page;
  }

  async function shot(page: Page, name: string): Promise<void> {
    if (!SHOTS) return;
    mkdirSync(SHOTS, { recursive: true });
    writeFileSync(join(SHOTS, `${name}.png`), await page.screenshot({ fullPage: false }));
  }

  async function textOf(locator: Locator): Promise<string> {
    await locator.first().waitFor();
    return ((await locator.first().textContent()) ?? '').trim();
  }

  /** Whether the image really decoded, and what the server said it was. */
  async function imageState(page: Page, selector: string): Promise<{ naturalWidth: number; xPhoto: string | null; alt: string | null }> {
    const img = page.locator(selector).first();
    await img.scrollIntoViewIfNeeded();
    await page.waitForFunction((el) => (el as HTMLImageElement).complete, await img.elementHandle());
    return img.evaluate(async (el: HTMLImageElement) => {
      const res = await fetch(el.currentSrc || el.src);
      return { naturalWidth: el.naturalWidth, xPhoto: res.headers.get('x-photo'), alt: el.getAttribute('alt') };
    });
  }

  it('refuses a wrong password and signs in with the right one', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel('User name').fill('desk');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await textOf(page.getByRole('alert'))).toBe('Wrong user name or password.');
    await shot(page, 'login');
    await page.getByLabel('Password').fill(PASSWORDS.desk);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/`);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'idphotos_session')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    await context.close();
  });

  it('searches as you type, shows thumbnails, and opens a profile whose photo really renders', async () => {
    const page = await signedIn('desk');
    await page.getByLabel('Name or Local ID').pressSequentially('garc', { delay: 30 });
    await page.waitForURL(/\/search\?q=garc$/);
    const maria = page.locator('#results .results a', { hasText: 'Garcia, Maria' });
    expect(await textOf(maria)).toContain('S100001');
    // Active users first, then by last and first name: Alan (staff) before Maria.
    const names = (await page.locator('#results .results .name').allTextContents()).map((n) => n.trim());
    expect(names.indexOf('Garcia, Alan')).toBeGreaterThanOrEqual(0);
    expect(names.indexOf('Garcia, Alan')).toBeLessThan(names.indexOf('Garcia, Maria'));
    const thumb = await imageState(page, '#results img[alt="Maria Garcia"]');
    expect(thumb.naturalWidth).toBeGreaterThan(0);
    expect(thumb.xPhoto).toBeNull();

    await maria.click();
    await page.waitForURL(`${base}/users/S100001`);
    expect(await textOf(page.getByRole('heading', { level: 1 }))).toBe('Maria Elena Garcia');
    const portrait = await imageState(page, 'img.portrait');
    expect(portrait.naturalWidth).toBeGreaterThan(0);
    expect(portrait.alt).toBe('Maria Elena Garcia');
    expect(portrait.xPhoto).toBeNull();
    await page.context().close();
  });

  it('shows the placeholder for a user without a photo', async () => {
    const page = await signedIn('desk');
    await page.goto(`${base}/users/S100003`);
    const portrait = await imageState(page, 'img.portrait');
    expect(portrait.naturalWidth).toBeGreaterThan(0);
    expect(portrait.xPhoto).toBe('placeholder');
    await page.context().close();
  });

  it('shows a name containing <script> from a CSV as text', async () => {
    const page = await signedIn('desk');
    await page.getByLabel('Name or Local ID').fill('S100666');
    await page.waitForURL(/q=S100666$/);
    expect(await page.locator('#results .results a').count()).toBe(1);
    await page.locator('#results .results a').first().click();
    expect(await textOf(page.getByRole('heading', { level: 1 }))).toBe('<script>window.__xss=1</script> Mallory');
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('main script').count()).toBe(0);
    await page.context().close();
  });

  it('keeps staff out of admin pages (403)', async () => {
    const page = await signedIn('desk');
    for (const path of ['/admin/imports', '/admin/photos', '/admin/audit', '/admin/status']) {
      const res = await page.goto(`${base}${path}`);
      expect(res!.status(), path).toBe(403);
      expect(await textOf(page.getByRole('heading', { level: 1 }))).toBe('Not allowed');
    }
    expect(await page.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    await page.context().close();
  });

  it('refuses a POST without the CSRF token and keeps the session', async () => {
    const page = await signedIn('desk');
    const status = await page.evaluate(async () => {
      const res = await fetch('/logout', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'x=1' });
      return res.status;
    });
    expect(status).toBe(403);
    const res = await page.goto(`${base}/`);
    expect(res!.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/');
    await page.context().close();
  });

  it('lets an admin see the admin pages and the audit of who viewed whom', async () => {
    const page = await signedIn('admin');
    await page.goto(`${base}/users/S100001`);
    await page.getByRole('heading', { name: 'Photo history' }).waitFor();
    await shot(page, 'profile');
    await page.goto(`${base}/admin/audit?local_id=S100001`);
    const rows = page.locator('table tbody tr');
    await rows.filter({ hasText: 'desk' }).filter({ hasText: 'Viewed profile' }).first().waitFor();
    await shot(page, 'audit');
    for (const [path, name] of [
      ['/search?building=Central+High', 'search'],
      ['/admin/status', 'status'],
      ['/admin/imports', 'imports'],
      ['/admin/photos', 'photos'],
    ] as const) {
      const res = await page.goto(`${base}${path}`);
      expect(res!.status(), path).toBe(200);
      await shot(page, name);
    }
    await page.context().close();
  });

  it('is usable by keyboard: focus starts in search, results are reachable with Tab, focus is visible', async () => {
    const page = await signedIn('desk');
    // NB: autofocus may land a rendering step after the load event; wait for it before typing.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id), { timeout: 5000 }).toBe('q');
    await page.keyboard.type('Hopper');
    await page.waitForURL(/q=Hopper$/);
    let onResult = false;
    for (let i = 0; i < 10 && !onResult; i++) {
      await page.keyboard.press('Tab');
      onResult = await page.evaluate(() => document.activeElement?.closest('.results') !== null && document.activeElement?.tagName === 'A');
    }
    expect(onResult).toBe(true);
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/users/T0042`);
    // On a page without a search field, the first Tab reaches the skip link.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.context().close();
  });

  it('signs out', async () => {
    const page = await signedIn('desk');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/login?signed_out`);
    expect(await textOf(page.getByRole('status'))).toBe('You are signed out.');
    await page.goto(`${base}/users/S100001`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.context().close();
  });
});
