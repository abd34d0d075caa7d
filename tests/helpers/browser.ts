/**
 * The browser tests' Chromium: Debian's (/usr/bin/chromium), never a downloaded one, headless and quiet (no
 * background traffic), plus the dashboard's login as a user does it (the token prompt, then the data).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Where the browser tests leave their screenshots (git-ignored), created if missing. */
export function screenshotsDir(): string {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'browser', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Opens the dashboard at `base`, answers its token prompt with `token` and waits until its data is shown. */
export async function logIn(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.locator('#token-dialog[open]').waitFor({ timeout: 15_000 });
  await page.fill('#token-input', token);
  await page.click('#token-save');
  await page.locator('body[data-loaded="true"]').waitFor({ timeout: 15_000 });
}
