import { chromium, type Browser } from 'playwright-core';
import { requireProgram } from '../programs.ts';

/**
 * Debian's Chromium (found on PATH as chromium or chromium-browser) driven by playwright-core
 * (no browser download). Each test context is a
 * fresh, isolated profile; nothing is shared between the accounts a test signs in with.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: requireProgram('chromium', 'chromium-browser'),
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
