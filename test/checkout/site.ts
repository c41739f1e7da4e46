import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { launchChromium } from '../web/browser.ts';
import type { App } from '../../src/app.ts';
import { startRig } from '../rig.ts';

process.env.IDPHOTOS_LOG_LEVEL ??= 'silent';

export const PASSWORD = 'checkout-test-pass-1';

export interface Site {
  app: App;
  dir: string;
  base: string;
  /** Runs OpenSSH `sftp -b -` with these commands against the appliance (key auth). */
  sftp(commands: string[], cwd: string): Promise<{ code: number | null; stderr: string }>;
  close(): Promise<void>;
}

/**
 * The real appliance listening on 127.0.0.1:0 (test/rig.ts): web accounts `admin` and `desk`
 * (staff), SFTP account `district` with a fresh ed25519 key for OpenSSH's client.
 */
export async function startSite(extraToml = ''): Promise<Site> {
  const rig = await startRig({
    prefix: 'idphotos-checkout-site-',
    logLevel: 'silent',
    sftpAccounts: [{ username: 'district' }],
    webAccounts: [
      { username: 'admin', password: PASSWORD, role: 'admin' },
      { username: 'desk', password: PASSWORD, role: 'staff' },
    ],
    extraToml: `[roster]\nquiet_seconds = 0\n${extraToml}`,
    clientKey: true,
    listen: true,
  });
  return {
    app: rig.app,
    dir: rig.dir,
    base: rig.base!,
    sftp: async (commands, cwd) => {
      const { code, stderr } = await rig.sftp(commands, cwd);
      return { code, stderr };
    },
    close: () => rig.close(),
  };
}

/** A folder of files to upload. */
export function localFiles(site: Site, files: Record<string, string | Buffer>): string {
  const folder = join(site.dir, `local-${Object.keys(files).join('-').replace(/[^\w.-]/g, '')}`);
  mkdirSync(folder, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(folder, name), content);
  return folder;
}

/** A made-up ID-style portrait as a real JPEG (no real person's face). */
export function portrait(backdrop = '#cfe0f5', shirt = '#2f5d8a'): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="360" height="450">
  <rect width="360" height="450" fill="${backdrop}"/>
  <path d="M40 450 Q50 335 180 320 Q310 335 320 450 Z" fill="${shirt}"/>
  <path d="M150 285 L150 330 Q180 350 210 330 L210 285 Z" fill="#e0ac88"/>
  <ellipse cx="180" cy="205" rx="72" ry="90" fill="#e0ac88"/>
  <path d="M106 200 Q100 105 180 100 Q262 105 254 200 Q245 150 180 145 Q118 150 106 200 Z" fill="#5a3825"/>
  <ellipse cx="154" cy="210" rx="7" ry="5" fill="#2a2a2a"/><ellipse cx="206" cy="210" rx="7" ry="5" fill="#2a2a2a"/>
  <path d="M160 255 Q180 268 200 255" stroke="#8a4b3a" stroke-width="4" fill="none" stroke-linecap="round"/>
</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

// The same browser as the viewer's tests.
export { launchChromium };

/** Signs in through the sign-in form, by keyboard. */
export async function signInPage(page: Page, base: string, username: 'admin' | 'desk'): Promise<void> {
  await page.goto(`${base}/login`);
  await page.locator('input[name="username"]').focus();
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await Promise.all([page.waitForURL((url) => !url.pathname.startsWith('/login')), page.keyboard.press('Enter')]);
}

/** The id of the focused element. */
export function focusedId(page: Page): Promise<string> {
  return page.evaluate(() => document.activeElement?.id ?? '');
}
