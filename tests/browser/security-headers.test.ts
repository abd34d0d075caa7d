/**
 * The dashboard's hardening headers as Debian's Chromium applies them (playwright-core, never a downloaded browser):
 * the Permissions-Policy denies the features the page never uses and Chromium knows every one it names, another
 * page that opens the dashboard gets no handle on it (COOP), and another origin cannot load chut's files (CORP).
 * A token-less chut on the memory store: nothing here needs data. The other origin is a blank page served on another
 * loopback port (a public page could not reach loopback at all: Chromium's local-network rules would prove nothing).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChut, type RunningChut } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { parsePolicy } from '../../src/rules/index.js';
import { LIST_POLICY } from '../helpers/policy.js';
import { launchChromium } from '../helpers/browser.js';

let chut: RunningChut;
let base: string;
let browser: Browser;
/** A blank page of another origin (another port), with none of chut's headers. */
let otherOrigin: Server;
let otherUrl: string;

beforeAll(async () => {
  otherOrigin = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>other</title>'));
  await new Promise<void>((resolve) => otherOrigin.listen(0, '127.0.0.1', resolve));
  otherUrl = `http://127.0.0.1:${(otherOrigin.address() as AddressInfo).port}/`;
  const config = parseConfig({ store: 'memory', http: { enabled: true, port: 0 } });
  chut = await startChut({ config, policy: parsePolicy(LIST_POLICY, 'test'), logger: silentLogger(), http: true });
  base = chut.httpUrl as string;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await chut?.stop();
  await new Promise((resolve) => otherOrigin?.close(resolve));
});

describe('dashboard hardening headers, in Chromium', () => {
  it('deny the camera, microphone and location to the page, with no policy Chromium cannot read', async () => {
    const page = await browser.newPage();
    const policyMessages: string[] = [];
    page.on('console', (msg) => { if (/permissions-policy|feature/i.test(msg.text())) policyMessages.push(msg.text()); });
    await page.goto(`${base}/`);
    await page.locator('body[data-loaded="true"]').waitFor({ timeout: 15_000 });
    const states = await page.evaluate(() => Promise.all(['geolocation', 'camera', 'microphone'].map(
      async (name) => (await navigator.permissions.query({ name: name as PermissionName })).state)));
    expect(states).toEqual(['denied', 'denied', 'denied']);
    expect(policyMessages).toEqual([]);
    await page.close();
  });

  it('give a page of another origin that opens the dashboard no handle on its window', async () => {
    const opener = await browser.newPage();
    await opener.goto(otherUrl);
    const handle = await opener.evaluate(async (url) => {
      const opened = window.open(url);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return { opened: opened !== null, severed: opened?.closed ?? null };
    }, `${base}/`);
    expect(handle).toEqual({ opened: true, severed: true });
    await opener.close();
  });

  it('refuse chut\'s files to a page of another origin', async () => {
    const file = `${base}/vendor/chart.umd.js`;
    const load = async (pageUrl: string) => {
      const page = await browser.newPage();
      const failures: string[] = [];
      page.on('requestfailed', (r) => { if (r.url() === file) failures.push(r.failure()?.errorText ?? '?'); });
      await page.goto(pageUrl);
      const loaded = await page.evaluate((src) => new Promise<boolean>((resolve) => {
        const script = document.createElement('script');
        script.src = src;
        script.onload = () => resolve(true);
        script.onerror = () => resolve(false);
        document.head.append(script);
      }), file);
      await page.close();
      return { loaded, failures };
    };
    // refused for its origin (CORP), not for any other reason a load can fail (a wrong path, chut down)
    expect(await load(otherUrl)).toEqual({ loaded: false, failures: [expect.stringMatching(/ERR_BLOCKED_BY_RESPONSE/)] });
    expect(await load(`${base}/`)).toEqual({ loaded: true, failures: [] });
  });
});
