/**
 * The dashboard as an administrator meets it, in Debian's Chromium (playwright-core, never a downloaded browser),
 * against a chut on the memory store (nothing here needs Redis): a first start with no calls, a token chut refuses,
 * a failed "Older calls", counts in the browser's own number format, the time zone the call times are in, the calls
 * table on a tablet, what a screen reader is told, and a change chut answers 500 internal (never shown as failed).
 * Screenshots go to tests/browser/screenshots/ (gitignored).
 */
import { join } from 'node:path';
import { type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChut, type RunningChut } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { parsePolicy } from '../../src/rules/index.js';
import { outcomeUpdate } from '../../src/screening/reputation-effects.js';
import { launchChromium, logIn, screenshotsDir } from '../helpers/browser.js';
import { FakeControl } from '../helpers/fake-control.js';
import { LIST_POLICY } from '../helpers/policy.js';

const SHOTS = screenshotsDir();
const TOKEN = 'admin-token-0123456789abcdef';
const DESKTOP = { width: 1280, height: 900 };

let browser: Browser;

async function startMemoryChut(policy = LIST_POLICY): Promise<RunningChut> {
  const config = parseConfig({ store: 'memory', http: { enabled: true, port: 0, token: TOKEN } });
  return startChut({ config, policy: parsePolicy(policy, 'test'), logger: silentLogger(), http: true, pbx: false });
}

let seq = 0;
async function place(chut: RunningChut, callerNumber: string, callerName: string): Promise<void> {
  await chut.screening.handleCall({
    pbx: 'asterisk-ari', callId: `admin-${++seq}`, callerNumber, callerName, dialled: '+33100000000', receivedAt: Date.now(),
  }, new FakeControl());
}

/** A page of its own context; its errors (but for the statuses a test expects) are collected. */
async function openPage(options: BrowserContextOptions = {}): Promise<{ page: Page; errors: string[]; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: DESKTOP, ...options });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  page.on('console', (msg) => { if (msg.type() === 'error' && !/status of (401|503)/.test(msg.text())) errors.push(msg.text()); });
  return { page, errors, close: () => context.close() };
}

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe('dashboard, first start: no call recorded yet', () => {
  let chut: RunningChut;
  beforeAll(async () => { chut = await startMemoryChut(); });
  afterAll(async () => { await chut?.stop(); });

  it('says there are no calls yet, across the whole calls table and the whole top-callers table', async () => {
    const { page, errors, close } = await openPage();
    await logIn(page, chut.httpUrl as string, TOKEN);
    const empty = page.locator('#latest-calls tbody td');
    expect(await empty.count()).toBe(1);
    expect(await empty.textContent()).toBe('No calls recorded yet: each call chut screens appears here.');
    expect(await empty.getAttribute('colspan')).toBe('6');
    const top = page.locator('#top-blocked tbody td');
    expect(await top.count()).toBe(1);
    expect(await top.getAttribute('colspan')).toBe('2');
    await page.screenshot({ path: join(SHOTS, 'admin-empty.png'), fullPage: true });
    expect(errors).toEqual([]);
    await close();
  });
});

describe('dashboard, a policy in shadow mode', () => {
  it('says what chut decided and did not enforce, beside the routes that happened (those calls rang)', async () => {
    const shadow = await startMemoryChut(LIST_POLICY.replace('mode: enforce', 'mode: shadow'));
    const enforced = await startMemoryChut();
    try {
      const robot = '+33612348001';
      for (const chut of [shadow, enforced]) {
        await chut.store.addListEntry({ list: 'block', entry: { kind: 'number', e164: robot }, reason: 'robocall', source: 'cli', addedAt: Date.now(), expiresAt: null });
        for (let i = 0; i < 3; i++) await place(chut, robot, 'ROBOT');
        await place(chut, '+33612348002', 'Friend');
      }
      const { page, errors, close } = await openPage();
      await logIn(page, shadow.httpUrl as string, TOKEN);
      expect(await page.isVisible('#shadow-tile')).toBe(true);
      expect(await page.textContent('#shadow-week')).toBe('3');
      expect(await page.textContent('#shadow-would')).toBe('reject 3, of 4 decided in shadow mode');
      expect(await page.textContent('#rejected-today')).toBe('0'); // what happened: they rang
      await page.screenshot({ path: join(SHOTS, 'admin-shadow.png') });
      // enforcing, the tile has nothing to say
      await logIn(page, enforced.httpUrl as string, TOKEN);
      expect(await page.isVisible('#shadow-tile')).toBe(false);
      expect(await page.textContent('#rejected-today')).toBe('3');
      expect(errors).toEqual([]);
      await close();
    } finally {
      await shadow.stop();
      await enforced.stop();
    }
  });
});

describe('dashboard, with calls', () => {
  let chut: RunningChut;
  let base: string;
  beforeAll(async () => {
    chut = await startMemoryChut();
    base = chut.httpUrl as string;
    for (let i = 0; i < 25; i++) await place(chut, `+336123470${String(i).padStart(2, '0')}`, `Caller ${i}`);
  });
  afterAll(async () => { await chut?.stop(); });

  it('says when chut refused the token it was given, and forgets that token', async () => {
    const { page, errors, close } = await openPage();
    await page.goto(`${base}/`);
    await page.locator('#token-dialog[open]').waitFor({ timeout: 15_000 });
    // the first prompt asks, and blames nothing
    expect(await page.isVisible('#token-error')).toBe(false);
    await page.fill('#token-input', 'a-token-with-a-typo-0123');
    await page.click('#token-save');
    // the same prompt again: it says why (old: the very same words, as if nothing had been entered)
    await expect.poll(() => page.textContent('#token-error')).toBe('chut refused that token (wrong bearer token): check it and enter it again.');
    expect(await page.isVisible('#token-error')).toBe(true);
    expect(await page.locator('#token-dialog[open]').count()).toBe(1);
    expect(await page.evaluate(() => window.sessionStorage.getItem('chut-token'))).toBeNull();
    await page.screenshot({ path: join(SHOTS, 'admin-token-refused.png') });
    await page.fill('#token-input', TOKEN);
    await page.click('#token-save');
    await page.locator('body[data-loaded="true"]').waitFor({ timeout: 15_000 });
    // the Token button asks afresh: no old complaint
    await page.click('#set-token');
    expect(await page.isVisible('#token-error')).toBe(false);
    await page.click('#token-dialog button[value=cancel]');
    expect(errors).toEqual([]);
    await close();
  });

  it('says that the API token is missing, and where to give it, when the prompt is cancelled', async () => {
    const { page, errors, close } = await openPage();
    await page.goto(`${base}/`);
    await page.locator('#token-dialog[open]').waitFor({ timeout: 15_000 });
    await page.click('#token-dialog button[value=cancel]');
    await expect.poll(() => page.textContent('#status')).toBe('refresh failed: chut needs its API token: use the Token button to enter it');
    expect(errors).toEqual([]);
    await close();
  });

  it('shows a failed "Older calls" next to the button, not on the status line at the top of the page', async () => {
    const { page, errors, close } = await openPage();
    await logIn(page, base, TOKEN);
    const status = await page.textContent('#status');
    await page.route('**/api/calls?*before=*', (route) => route.fulfill({ status: 503, json: { error: 'store-unavailable', message: 'the reputation store did not answer (calls); try again later' } }));
    await page.click('#older');
    const olderMessage = () => page.evaluate(() => document.getElementById('older-message')?.textContent ?? null);
    await expect.poll(olderMessage).toBe('Older calls could not be loaded: the reputation store did not answer (calls); try again later');
    expect(await page.getAttribute('#older-message', 'class')).toBe('message error');
    expect(await page.isVisible('#older-message')).toBe(true);
    expect(await page.textContent('#status')).toBe(status);
    expect(await page.locator('#latest-calls tbody tr').count()).toBe(20);
    await page.locator('#older').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'admin-older-failed.png') });
    // the next try works, and the message goes
    await page.unroute('**/api/calls?*before=*');
    await page.click('#older');
    await expect.poll(() => page.locator('#latest-calls tbody tr').count()).toBe(25);
    expect(await olderMessage()).toBe('');
    expect(await page.getAttribute('#older-message', 'class')).toBe('message');
    expect(errors).toEqual([]);
    await close();
  });

  it('writes counts and the captcha rate in the browser\'s own number format', async () => {
    const { page, errors, close } = await openPage({ locale: 'de-DE' });
    await page.route('**/api/stats?*', async (route) => {
      const res = await route.fetch();
      if (!res.ok()) return route.fulfill({ response: res }); // the 401 that asks for the token
      const body = await res.json();
      const hour = new Date().toISOString().slice(0, 13);
      body.byHour = { [hour]: { ring: 10_000, reject: 2_345 } };
      body.byRoute = { ring: 10_000, reject: 2_345 };
      body.total = 12_345;
      body.degraded = 1_500;
      body.captcha = { passed: 1, failed: 2, 'hung-up': 0, timeout: 0 };
      body.topCallers = { reject: [{ caller: '+33612347000', calls: 4_321 }] };
      await route.fulfill({ response: res, json: body });
    });
    await logIn(page, base, TOKEN);
    const text = (selector: string) => page.textContent(selector);
    // old: 12345, 2345, 1500, 33.3% in a German browser whose dates and chart axes were German
    expect(await text('#calls-today')).toBe('12.345');
    expect(await text('#rejected-today')).toBe('2.345');
    expect(await text('#calls-week')).toBe('12.345');
    expect(await text('#degraded-week')).toBe('1.500');
    expect(await text('#captcha-rate')).toMatch(/^33,3\s%$/);
    expect(await text('#top-blocked tbody td.n')).toBe('4.321');
    await page.screenshot({ path: join(SHOTS, 'admin-numbers-de.png') });
    expect(errors).toEqual([]);
    await close();
  });

  it('names the time zone the call times are shown in', async () => {
    const { page, errors, close } = await openPage({ timezoneId: 'America/New_York', locale: 'en-US' });
    await logIn(page, base, TOKEN);
    // chut's reasons name the policy's zone (`it is Tue 21:30 in Europe/Paris`): the table says which zone its own times are in
    expect(await page.textContent('#calls-title')).toBe('Latest calls (times in America/New_York)');
    expect(errors).toEqual([]);
    await close();
  });

  describe('the calls table', () => {
    /** Calls as the demo's policy records them: a long rule name, a long reason, a name of two words. */
    const demoCall = (i: number) => ({
      time: Date.now() - i * 60_000, pbx: 'asterisk-ari', callId: `demo-${i}`, rawCaller: '+33377000003', caller: '+33377000003',
      callerKind: 'valid', callerName: 'ENERGIE PARTENAIRE', dialled: '+33100000000', action: 'voicemail', route: 'voicemail',
      rule: 'telemarketing-outside-hours', shadow: false, degraded: false, latencyMs: 1, id: `${1_700_000_000_000 - i}-0`,
      reasons: ['caller +33377000003 is in pack fr-npv (prefix +33377); it is Tue 21:30 in Europe/Paris, outside fr-legal-hours'],
    });
    async function withDemoCalls(page: Page, name?: string): Promise<void> {
      await page.route('**/api/calls?*', async (route) => {
        const res = await route.fetch();
        if (!res.ok()) return route.fulfill({ response: res });
        const calls = Array.from({ length: 5 }, (_, i) => ({ ...demoCall(i), callerName: (i === 0 && name) || 'ENERGIE PARTENAIRE' }));
        await route.fulfill({ response: res, json: { calls, next: null } });
      });
    }
    const overflow = (page: Page) => page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      view: window.innerWidth,
      outside: [...document.querySelectorAll('main *')].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1).length,
    }));

    for (const width of [768, 900]) {
      it(`fits a tablet ${width} px wide without horizontal scrolling`, async () => {
        const { page, errors, close } = await openPage({ viewport: { width, height: 1000 } });
        await withDemoCalls(page, 'X'.repeat(64)); // a name as long as chut keeps, in one unbroken word
        await logIn(page, base, TOKEN);
        const { scroll, view, outside } = await overflow(page);
        // old: 774 px of page in a 768 px window, the reasons squeezed to a word a line
        expect(scroll).toBeLessThanOrEqual(view);
        expect(outside).toBe(0);
        if (width === 768) {
          await page.locator('#latest-calls').scrollIntoViewIfNeeded();
          await page.screenshot({ path: join(SHOTS, 'admin-tablet.png') });
        }
        expect(errors).toEqual([]);
        await close();
      });
    }

    it('does not break a caller name inside a word when the table has room for it', async () => {
      const { page, errors, close } = await openPage();
      await withDemoCalls(page);
      await logIn(page, base, TOKEN);
      // old: the name column was squeezed to "ENERGIE PARTENAI / RE" beside a wide reasons column
      const fits = await page.$eval('#latest-calls tbody td.name', (td) => {
        const probe = document.createElement('span');
        probe.textContent = 'PARTENAIRE';
        probe.style.whiteSpace = 'nowrap';
        td.append(probe);
        const word = probe.getBoundingClientRect().width;
        probe.remove();
        const style = getComputedStyle(td);
        return { word, room: td.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) };
      });
      expect(fits.room).toBeGreaterThanOrEqual(fits.word);
      expect(errors).toEqual([]);
      await close();
    });
  });

  it('explains the number on screen again after a list change, so it no longer says the opposite', async () => {
    const { page, errors, close } = await openPage();
    await logIn(page, base, TOKEN);
    const result = () => page.textContent('#lookup-result');
    await page.fill('#lookup-number', '+33612347001');
    await page.press('#lookup-number', 'Enter');
    await expect.poll(result).toContain('rule default');
    // the admin blocks the number just explained, in another form: the explanation follows (old: "ring, rule default"
    // beside "+33612347001 is now on the block list")
    await page.fill('#list-entry', '06 12 34 70 01');
    await page.click('#block-button');
    await expect.poll(() => page.textContent('#list-message')).toBe('+33612347001 is now on the block list');
    await expect.poll(result).toContain('listed: block +33612347001');
    expect(await result()).toContain('rule blocklisted');
    await page.click('#unlist-button');
    await expect.poll(() => page.textContent('#list-message')).toBe('+33612347001 removed from the block list');
    await expect.poll(result).toContain('rule default');
    expect(await result()).not.toContain('listed:');
    expect(errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
    await close();
  });

  for (const viewport of [DESKTOP, { width: 390, height: 844 }]) {
    it(`shows the whole hint of the allow/block field, ${viewport.width} px wide`, async () => {
      const { page, errors, close } = await openPage({ viewport });
      await logIn(page, base, TOKEN);
      // the hint is the only place that says a prefix takes a trailing * (old, on a desktop: "number, or prefix like 016")
      const fit = await page.$eval('#list-entry', (input: HTMLInputElement) => {
        const style = getComputedStyle(input);
        const context = document.createElement('canvas').getContext('2d') as CanvasRenderingContext2D;
        context.font = `${style.fontSize} ${style.fontFamily}`;
        return { hint: context.measureText(input.placeholder).width, room: input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) };
      });
      expect(fit.room).toBeGreaterThanOrEqual(fit.hint);
      expect(errors).toEqual([]);
      await close();
    });
  }

  it('tells a screen reader what "Explain" found', async () => {
    const { page, errors, close } = await openPage();
    await logIn(page, base, TOKEN);
    // the explanation appears away from the focus (still on the field): a live region around it, always there (one
    // shown at the same time as its text may not be read out), has it read out
    expect(await page.$eval('#lookup-result', (e) => e.parentElement?.getAttribute('aria-live') ?? null)).toBe('polite');
    await page.fill('#lookup-number', '+33612347000');
    await page.press('#lookup-number', 'Enter');
    await expect.poll(() => page.textContent('#lookup-result')).toContain('+33612347000');
    expect(errors).toEqual([]);
    await close();
  });

  it('"Explain" counts a captcha that timed out as "failed or timed out", not as a plain "failed", and the hang-ups, as chut lookup does', async () => {
    // a silent robot that never typed: its timeout goes to the same counter as a wrong answer
    await chut.store.applyOutcome(outcomeUpdate('+33612347099', { kind: 'captcha', outcome: 'timeout' }, chut.config.reputation, Date.now()));
    await chut.store.applyOutcome(outcomeUpdate('+33612347099', { kind: 'captcha', outcome: 'hung-up' }, chut.config.reputation, Date.now()));
    const { page, errors, close } = await openPage();
    await logIn(page, base, TOKEN);
    await page.fill('#lookup-number', '+33612347099');
    await page.press('#lookup-number', 'Enter');
    await expect.poll(() => page.textContent('#lookup-result')).toContain('+33612347099');
    // old: "… / failed or timed out 1" and no word of the hang-up
    expect(await page.textContent('#lookup-result')).toContain('captcha passed 0 / failed or timed out 1 / hung up 1');
    expect(errors).toEqual([]);
    await close();
  });

  it('reads the status line out only when what it says changes, not at every auto-refresh', async () => {
    const { page, errors, close } = await openPage();
    await page.clock.install();
    await logIn(page, base, TOKEN);
    // every change to the live region (role=status) is what a screen reader reads out
    expect(await page.getAttribute('#status', 'role')).toBe('status');
    await page.evaluate(() => {
      const w = window as unknown as { statusWrites: number; staleMarks: number };
      w.statusWrites = 0;
      new MutationObserver((records) => { w.statusWrites += records.length; })
        .observe(document.getElementById('status') as HTMLElement, { childList: true, characterData: true, subtree: true });
      // each failed refresh, once handled, writes the stale cues afresh: how the test knows it is over
      w.staleMarks = 0;
      new MutationObserver((records) => {
        for (const r of records) for (const n of r.addedNodes) if (n instanceof Element && n.classList.contains('stale-cue')) w.staleMarks++;
      }).observe(document.querySelector('main') as HTMLElement, { childList: true, subtree: true });
    });
    const writes = () => page.evaluate(() => (window as unknown as { statusWrites: number }).statusWrites);
    const staleMarks = () => page.evaluate(() => (window as unknown as { staleMarks: number }).staleMarks);
    const header = () => page.textContent('header');
    // three auto-refreshes, a minute apart: the header shows each one's time, the live region is not touched (old:
    // "loading…", then "updated 10:41:07", read out every minute)
    for (let i = 0; i < 3; i++) {
      const before = await header();
      await page.clock.runFor(60_000);
      await expect.poll(header).not.toBe(before);
    }
    expect(await writes()).toBe(0);
    expect(await page.textContent('#status')).toBe('updated');
    expect(await page.isVisible('#updated-at')).toBe(true);
    expect(await page.textContent('#updated-at')).toMatch(/\d/);
    // a failure is read out once, however many refreshes fail the same way
    await page.route('**/api/stats?*', (route) => route.fulfill({ status: 503, json: { error: 'store-unavailable', message: 'the reputation store did not answer (stats); try again later' } }));
    await page.clock.runFor(60_000);
    await expect.poll(() => page.textContent('#status')).toBe('refresh failed: the reputation store did not answer (stats); try again later');
    expect(await page.isVisible('#updated-at')).toBe(false);
    expect(await writes()).toBe(1);
    for (let i = 0; i < 2; i++) {
      const marked = await staleMarks();
      await page.clock.runFor(60_000);
      await expect.poll(staleMarks).toBeGreaterThan(marked); // the failed answers handled
    }
    expect(await writes()).toBe(1);
    // and so is the recovery
    await page.unroute('**/api/stats?*');
    await page.clock.runFor(60_000);
    await expect.poll(() => page.textContent('#status')).toBe('updated');
    expect(await writes()).toBe(2);
    expect(await page.isVisible('#updated-at')).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'admin-status.png'), clip: { x: 0, y: 0, width: DESKTOP.width, height: 60 } });
    expect(errors).toEqual([]);
    await close();
  });

  it('tells a screen reader what each chart shows, not only what it is about', async () => {
    const { page, errors, close } = await openPage();
    await logIn(page, base, TOKEN);
    // every call in this chut rang: the labels give the total and each route's count (old: "Calls today by hour and route")
    const today = await page.textContent('#calls-today');
    const week = await page.textContent('#calls-week');
    expect(await page.getAttribute('#chart-today', 'aria-label')).toBe(`Calls today by hour and route: ${today} calls: ring ${today}`);
    expect(await page.getAttribute('#chart-week', 'aria-label')).toBe(`Calls this week by day and route: ${week} calls: ring ${week}`);
    // and after the next refresh, still once
    const shown = await page.getAttribute('#updated-at', 'datetime');
    await page.click('#refresh');
    await expect.poll(() => page.getAttribute('#updated-at', 'datetime')).not.toBe(shown);
    expect(await page.getAttribute('#chart-today', 'aria-label')).toBe(`Calls today by hour and route: ${today} calls: ring ${today}`);
    expect(errors).toEqual([]);
    await close();
  });

  it('says "1 call", not "1 calls", to a screen reader when a chart holds one call', async () => {
    const { page, errors, close } = await openPage();
    await page.route('**/api/stats?*', async (route) => {
      const res = await route.fetch();
      if (!res.ok()) return route.fulfill({ response: res }); // the 401 that asks for the token
      const body = await res.json();
      body.byHour = { [new Date().toISOString().slice(0, 13)]: { reject: 1 } };
      body.byRoute = { reject: 1 };
      body.total = 1;
      await route.fulfill({ response: res, json: body });
    });
    await logIn(page, base, TOKEN);
    // old: "1 calls: reject 1"
    expect(await page.getAttribute('#chart-today', 'aria-label')).toBe('Calls today by hour and route: 1 call: reject 1');
    expect(await page.getAttribute('#chart-week', 'aria-label')).toBe('Calls this week by day and route: 1 call: reject 1');
    expect(errors).toEqual([]);
    await close();
  });
});

describe('dashboard, a change chut answers 500 internal (a bug of chut\'s, once the store may have taken it)', () => {
  let chut: RunningChut;
  const REPORTED = '+33612349901';
  beforeAll(async () => {
    chut = await startMemoryChut();
    await place(chut, REPORTED, 'Someone');
  });
  afterAll(async () => { await chut?.stop(); });

  /** What chut's storeWrite answers for a change that failed on a bug: the change may or may not have been applied. */
  const internal = (operation: string) => ({ status: 500, json: { error: 'internal',
    message: `chut failed on an unexpected error (${operation}); see the chut log: the change may or may not have been applied; check before retrying` } });

  it('never says the change failed: shows the server\'s message and the number as chut has it now (it was made after all)', async () => {
    const { page, errors, close } = await openPage();
    await logIn(page, chut.httpUrl as string, TOKEN);
    const result = () => page.textContent('#lookup-result');
    // the change reaches chut and is made; the answer is the 500
    await page.route('**/api/lists/**', async (route) => { await route.fetch(); await route.fulfill(internal('addListEntry')); });
    await page.fill('#list-entry', '0612349902');
    await page.click('#block-button');
    await expect.poll(() => page.textContent('#list-message')).toBe(`${internal('addListEntry').json.message}. ` +
      'The page was refreshed; 0612349902 as chut has it now is shown under "Explain a number": check it before trying again.');
    await expect.poll(result).toContain('listed: block +33612349902');
    await page.unroute('**/api/lists/**');
    // a report: old "+33612349901 could not be reported: …", though it was counted
    await page.route('**/api/reports/**', async (route) => { await route.fetch(); await route.fulfill(internal('report')); });
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: `Report spam: ${REPORTED}` }).click();
    await expect.poll(() => page.textContent('#report-status')).toBe(`${internal('report').json.message}. ` +
      `${REPORTED} as chut has it now is shown under "Explain a number": check it before reporting it again.`);
    expect(await page.inputValue('#lookup-number')).toBe(REPORTED);
    await expect.poll(result).toContain('reports 1');
    expect(errors.filter((e) => !/status of 500/.test(e))).toEqual([]);
    await close();
  });
});
