import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserSite } from './browser-site.ts';
import { PASSWORDS, type TestSite } from './helpers.ts';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** The page states an admin and the desk go through; each audited at a desk and a phone width. */
const PAGES = ['/', '/search?q=garcia', '/users/S100001', '/users/S100003', '/admin/status', '/admin/photos', '/admin/imports', '/admin/imports/1', '/admin/audit', '/checkout', '/devices'];

describe('narrow screens and axe-core (Chromium)', () => {
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

  async function signedIn(width: number): Promise<Page> {
    // NB: bypassCSP only lets the test inject axe-core; the pages keep their script-src 'self'.
    const context = await browser.newContext({ viewport: { width, height: 800 }, deviceScaleFactor: 1, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(PASSWORDS.admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/`);
    return page;
  }

  /** axe-core's violations on the page as it stands: rule, and where. */
  async function violations(page: Page): Promise<string[]> {
    await page.addScriptTag({ path: AXE });
    const found = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe;
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations.flatMap((v) => v.nodes.map((n) => `${v.id} at ${n.target.join(' ')}`));
    });
    return found;
  }

  it.each([1280, 360])('has no axe-core violation and no sideways scroll at %i px', async (width) => {
    const page = await signedIn(width);
    const problems: string[] = [];
    for (const path of PAGES) {
      await page.goto(`${base}${path}`);
      for (const v of await violations(page)) problems.push(`${path}: ${v}`);
      const { scroll, inner } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));
      if (scroll > inner) problems.push(`${path}: the page is ${scroll} px wide in a ${inner} px window`);
    }
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('keeps search results inside a 320 px window', async () => {
    const page = await signedIn(320);
    await page.goto(`${base}/search?q=garcia`);
    const { scroll, inner, widest } = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      inner: window.innerWidth,
      widest: Math.max(...[...document.querySelectorAll('.results li')].map((li) => li.getBoundingClientRect().right)),
    }));
    expect(scroll).toBeLessThanOrEqual(inner);
    expect(widest).toBeLessThanOrEqual(inner);
    expect(await violations(page)).toEqual([]);
    await page.context().close();
  });
});
