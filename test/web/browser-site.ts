import type { Browser } from 'playwright-core';
import { launchChromium } from './browser.ts';
import { createTestSite, type TestSite } from './helpers.ts';
import { seedDemoDistrict } from './seed.ts';

export interface BrowserSite {
  site: TestSite;
  browser: Browser;
  /** http://127.0.0.1:<port> of the started viewer. */
  base: string;
}

/**
 * The demo district's viewer started on port 0 and a Chromium to drive it: the set-up the
 * browser tests share. When Chromium cannot start, the site is closed before the error goes on.
 */
export async function startBrowserSite(): Promise<BrowserSite> {
  const site = await createTestSite();
  try {
    await seedDemoDistrict(site);
    const { webPort } = await site.app.start();
    const browser = await launchChromium();
    return { site, browser, base: `http://127.0.0.1:${webPort}` };
  } catch (err) {
    await site.close();
    throw err;
  }
}
