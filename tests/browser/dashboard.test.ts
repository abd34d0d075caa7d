/**
 * The dashboard in Debian's Chromium (playwright-core, never a downloaded browser) against a running chut
 * with seeded Redis data: the numbers shown match the API, a number blocked through the UI is rejected on
 * its next call, hostile caller names stay text, and the page fits a phone. Screenshots go to
 * tests/browser/screenshots/ (gitignored).
 */
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { type Browser, type Page, type Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChut, type RunningChut } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createHttpServer } from '../../src/http/index.js';
import { silentLogger } from '../../src/logger.js';
import { createRedisStore } from '../../src/reputation/index.js';
import { parsePolicy } from '../../src/rules/index.js';
import { createAriSimulator, type AriSimulator } from '../../src/sim/ari/index.js';
import type { InboundCall } from '../../src/screening/types.js';
import { launchChromium, logIn, screenshotsDir } from '../helpers/browser.js';
import { FakeControl, type ScriptStep } from '../helpers/fake-control.js';
import { untilHealthy } from '../helpers/healthy.js';
import { LIST_POLICY } from '../helpers/policy.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';
import { TEST_DEADLINE_MS } from '../helpers/test-deadline.js';

const TOKEN = 'browser-token-0123456789abcdef';
const SHOTS = screenshotsDir();
const POLICY = LIST_POLICY;
const HOSTILE_NAME = '<img src=x id=pwned>';
const SPAMMER = '+33162000009';
const TO_BLOCK = '+33175000042';

let redisUrl: string;
const prefix = uniquePrefix('browser');
let chut: RunningChut;
let browser: Browser;
/** The fake Asterisk: the "next call" after blocking goes through the real ARI adapter. */
let sim: AriSimulator;
let seq = 0;

function call(callerNumber: string, callerName = 'Caller'): InboundCall {
  return { pbx: 'asterisk-ari', callId: `browser-${++seq}`, callerNumber, callerName, dialled: '+33100000000', receivedAt: Date.now() };
}

async function place(number: string, name = 'Caller', script: ScriptStep[] = []): Promise<string> {
  return (await chut.screening.handleCall(call(number, name), new FakeControl(script))).finalRoute;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies: the assertions check their shape
type Json = any;

async function api(path: string): Promise<Json> {
  const res = await fetch(`${chut.httpUrl}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  return res.json();
}

interface ChartSum { series: string[]; total: number }

/** Each chart's series names and the sum of all its bars. */
async function chartSums(page: Page): Promise<{ today: ChartSum; week: ChartSum }> {
  return page.evaluate(() => {
    const C = (window as unknown as { Chart: { getChart(id: string): { data: { datasets: Array<{ label: string; data: number[] }> } } } }).Chart;
    const sum = (id: string) => {
      const sets = C.getChart(id).data.datasets;
      return { series: sets.map((d) => d.label), total: sets.reduce((s, d) => s + d.data.reduce((a, b) => a + b, 0), 0) };
    };
    return { today: sum('chart-today'), week: sum('chart-week') };
  });
}

/** Opens the dashboard, answers the token prompt and waits for the data. Collects page errors. */
async function openDashboard(page: Page, errors: string[], base = chut.httpUrl as string): Promise<void> {
  page.on('pageerror', (err) => errors.push(String(err)));
  // The first API requests answer 401 until the token is given: that is how the page knows to ask for it.
  page.on('console', (msg) => { if (msg.type() === 'error' && !/status of 401/.test(msg.text())) errors.push(msg.text()); });
  await logIn(page, base, TOKEN);
}

beforeAll(async () => {
  redisUrl = await testRedisUrl();
  sim = createAriSimulator();
  await sim.start();
  const config = parseConfig({
    ...sim.chutConfig(), store: 'redis', redis: { url: redisUrl, prefix }, http: { enabled: true, port: 0, token: TOKEN },
    screening: { deadlineMs: TEST_DEADLINE_MS },
  });
  chut = await startChut({ config, policy: parsePolicy(POLICY, 'test'), logger: silentLogger(), http: true });
  await sim.waitForChut(10_000);
  await untilHealthy(chut.httpUrl as string);
  await chut.store.addListEntry({ list: 'block', entry: { kind: 'number', e164: SPAMMER }, reason: 'seed', source: 'test', addedAt: Date.now(), expiresAt: null });
  for (let i = 0; i < 3; i++) expect(await place(SPAMMER, 'SPAM')).toBe('reject');
  const names = [HOSTILE_NAME, 'W'.repeat(60), 'Friend', 'Friend'];
  for (let i = 0; i < 4; i++) expect(await place(`+3361234560${i}`, names[i])).toBe('ring');
  expect(await place('anonymous', '', ['echo'])).toBe('ring');
  expect(await place('anonymous', '', ['silent', 'silent', 'silent'])).not.toBe('ring');
  // callers who leave during the captcha: their route is `hung-up`, which the charts must count like any other
  for (let i = 0; i < 2; i++) expect(await place('anonymous', '', ['hangup'])).toBe('hung-up');
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await chut?.stop();
  await sim?.stop();
  await removeKeys(redisUrl, prefix);
});

describe('dashboard', () => {
  it('shows the same numbers as the API, and caller names as text', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    await openDashboard(page, errors);
    const since = await page.getAttribute('#calls-today', 'data-since');
    const today = await api(`/api/stats?since=${encodeURIComponent(since as string)}`);
    const weekSince = await page.getAttribute('#calls-week', 'data-since');
    // the week is the chart's 7 local days: today and the 6 before, from local midnight
    expect(Date.parse(since as string) - Date.parse(weekSince as string)).toBeGreaterThanOrEqual(6 * 86_400_000 - 3_600_000);
    const week = await api(`/api/stats?since=${encodeURIComponent(weekSince as string)}`);
    expect(today.total).toBe(11);
    expect(today.byRoute['hung-up']).toBe(2);
    expect(await page.textContent('#calls-today')).toBe(String(today.total));
    expect(await page.textContent('#rejected-today')).toBe(String(today.byRoute.reject));
    expect(await page.textContent('#calls-week')).toBe(String(week.total));
    const c = week.captcha;
    expect(await page.textContent('#captcha-rate')).toBe(`${((c.passed / (c.passed + c.failed + c['hung-up'] + c.timeout)) * 100).toFixed(1)}%`);
    expect(await page.textContent('#top-blocked tbody tr:first-child td:first-child')).toBe(SPAMMER);
    expect(await page.textContent('#top-blocked tbody tr:first-child td:last-child')).toBe('3');
    // top callers are counted by whole UTC days: the heading says from which
    expect(await page.textContent('#top-title')).toBe(`Top callers the policy rejects (whole UTC days from ${new Date(week.since).toISOString().slice(0, 10)})`);
    const calls = await api('/api/calls?limit=20');
    expect(await page.locator('#latest-calls tbody tr').count()).toBe(calls.calls.length);
    expect(await page.getAttribute('#latest-calls tbody tr:first-child', 'data-caller')).toBe(calls.calls[0].caller);
    // The hostile caller name is shown literally and never becomes an element.
    await expect.poll(() => page.locator('#latest-calls').textContent()).toContain(HOSTILE_NAME);
    expect(await page.locator('#pwned').count()).toBe(0);
    // Both charts were drawn (Chart.js loaded from this server) and nothing broke, CSP included.
    expect(await page.evaluate(() => typeof (window as unknown as { Chart?: unknown }).Chart)).toBe('function');
    expect(await page.locator('canvas#chart-today').evaluate((el: HTMLCanvasElement) => el.width > 0)).toBe(true);
    // every call is in the charts, hung-up ones included: the bars add up to the tiles
    const sums = await chartSums(page);
    expect(sums.today).toMatchObject({ total: today.total });
    expect(sums.week).toMatchObject({ total: week.total });
    expect(sums.today.series).toContain('hung-up');
    // and a hung-up call has its own badge colour, not the grey of an unknown route
    const badge = page.locator('#latest-calls .route', { hasText: 'hung-up' }).first();
    expect(await badge.evaluate((e) => getComputedStyle(e).backgroundColor)).toBe('rgb(106, 27, 154)');
    await page.screenshot({ path: join(SHOTS, 'dashboard-desktop.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('charts a route it does not know under its own grey series rather than dropping its calls', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    // a newer chut could add a route: the page must still count it
    await page.route('**/api/stats?*', async (route) => {
      const res = await route.fetch();
      if (!res.ok()) return route.fulfill({ response: res }); // the 401 that asks for the token
      const body = await res.json();
      const hour = new Date().toISOString().slice(0, 13);
      body.byHour[hour] = { ...(body.byHour[hour] || {}), 'sent-to-fax': 3 };
      body.byRoute['sent-to-fax'] = 3;
      body.total += 3;
      await route.fulfill({ response: res, json: body });
    });
    await page.route('**/api/calls?*', async (route) => {
      const res = await route.fetch();
      if (!res.ok()) return route.fulfill({ response: res });
      const body = await res.json();
      body.calls[0] = { ...body.calls[0], route: 'sent-to-fax' };
      await route.fulfill({ response: res, json: body });
    });
    await openDashboard(page, errors);
    const sums = await chartSums(page);
    expect(sums.today.series).toContain('sent-to-fax');
    expect(sums.today.total).toBe(Number(await page.textContent('#calls-today')));
    expect(sums.week.total).toBe(Number(await page.textContent('#calls-week')));
    const colours = await page.evaluate(() => {
      const C = (window as unknown as { Chart: { getChart(id: string): { data: { datasets: Array<{ label: string; backgroundColor: string }> } } } }).Chart;
      return C.getChart('chart-today').data.datasets.find((d) => d.label === 'sent-to-fax')?.backgroundColor;
    });
    expect(colours).toBe('#757575');
    const badge = page.locator('#latest-calls .route', { hasText: 'sent-to-fax' });
    expect(await badge.getAttribute('class')).toBe('route other');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a failed refresh as an error on the header and marks every region of figures left on screen as stale', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    // a week with calls decided in shadow mode, so that the shadow tile is on screen; then the store goes down
    let failing = false;
    await page.route('**/api/stats?*', async (route) => {
      if (failing) return route.fulfill({ status: 503, json: { error: 'store-unavailable', message: 'the store is not answering' } });
      const res = await route.fetch();
      if (!res.ok()) return route.fulfill({ response: res }); // the 401 that asks for the token
      await route.fulfill({ response: res, json: { ...(await res.json()), shadow: 4, shadowByAction: { reject: 3, ring: 1 } } });
    });
    await openDashboard(page, errors);
    const statusStyle = () => page.$eval('#status', (e) => ({ color: getComputedStyle(e).color, weight: getComputedStyle(e).fontWeight }));
    const normal = await statusStyle();
    const calls = await page.textContent('#calls-today');
    const callers = await page.textContent('#latest-calls tbody');
    expect(await page.getAttribute('.tiles', 'class')).toBe('tiles');
    expect(await page.isVisible('#shadow-tile')).toBe(true);
    /** How each region with figures looks: dimmed (the opacity of what shows its figures) and what it says in words. */
    const looks = () => page.evaluate(() => {
      const opacity = (selector: string) => getComputedStyle(document.querySelector(selector) as Element).opacity;
      const cue = (selector: string) => (document.querySelector(selector) as Element).querySelector('.stale-cue')?.textContent ?? null;
      return {
        tiles: [opacity('#calls-today'), opacity('#shadow-week'), opacity('#shadow-would'), cue('.tiles')],
        charts: [opacity('#chart-today'), opacity('#chart-week'), cue('.charts')],
        top: [opacity('#top-blocked tbody'), cue('#top-title')],
        calls: [opacity('#latest-calls tbody'), cue('#calls-title')],
      };
    });
    expect(await looks()).toEqual({ tiles: ['1', '1', '1', null], charts: ['1', '1', null], top: ['1', null], calls: ['1', null] });
    failing = true;
    await page.click('#refresh');
    await expect.poll(() => page.textContent('#status')).toMatch(/the store is not answering/);
    // readable on the dark header, and unlike the normal status line
    expect(await statusStyle()).toEqual({ color: 'rgb(255, 171, 145)', weight: '700' });
    expect(normal.color).not.toBe('rgb(255, 171, 145)');
    // the last figures stay, every region of them marked as old: dimmed, and said so to a screen reader (old: only
    // the tiles' counts and the charts were dimmed; the shadow tile's detail, the top callers and the calls looked current)
    expect(await page.textContent('#calls-today')).toBe(calls);
    expect(await page.textContent('#latest-calls tbody')).toBe(callers);
    expect(await page.getAttribute('.tiles', 'data-stale')).toBe('true');
    expect(await page.locator('[data-stale="true"]').count()).toBe(4);
    const shown = await page.$eval('#stale-note', (e) => (e.textContent as string).match(/from (.+)\.$/)?.[1]);
    const cue = `(not current: the last refresh failed; as of ${shown})`;
    expect(await looks()).toEqual({
      tiles: ['0.45', '0.45', '0.45', cue], charts: ['0.45', '0.45', cue], top: ['0.45', ` ${cue}`], calls: ['0.45', ` ${cue}`],
    });
    // in words for a screen reader only: the headings look as they did
    expect(await page.locator('.stale-cue').evaluateAll((nodes) => nodes.map((n) => n.getBoundingClientRect().width <= 1))).toEqual([true, true, true, true]);
    expect(await page.isVisible('#stale-note')).toBe(true);
    expect(await page.textContent('#stale-note')).toMatch(/last refresh failed/);
    await page.screenshot({ path: join(SHOTS, 'dashboard-stale.png'), fullPage: true });
    // the next good refresh clears it all
    failing = false;
    await page.click('#refresh');
    await expect.poll(() => page.textContent('#status')).toBe('updated');
    expect(await statusStyle()).toEqual(normal);
    expect(await page.locator('.stale, [data-stale], .stale-cue').count()).toBe(0);
    expect(await looks()).toEqual({ tiles: ['1', '1', '1', null], charts: ['1', '1', null], top: ['1', null], calls: ['1', null] });
    expect(await page.isVisible('#stale-note')).toBe(false);
    expect(errors.filter((e) => !/status of 503/.test(e))).toEqual([]);
    await page.close();
  });

  it('says on the status line that Redis holds keys of a newer chut, not that it did not answer', async () => {
    const newer = uniquePrefix('browser-schema');
    const redis = new Redis(redisUrl);
    await redis.hset(`${newer}schema`, 'version', '2', 'buckets', '131071');
    redis.disconnect();
    const store = createRedisStore({ url: redisUrl, prefix: newer });
    const server = await createHttpServer({
      config: parseConfig({ http: { port: 0, token: TOKEN } }), screening: chut.screening, store, logger: silentLogger(), metrics: chut.metrics, adapters: [],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    try {
      page.on('console', (msg) => { if (msg.type() === 'error' && !/status of (401|503)/.test(msg.text())) errors.push(msg.text()); });
      await page.goto(`${server.url}/`);
      await page.locator('#token-dialog[open]').waitFor({ timeout: 15_000 });
      await page.fill('#token-input', TOKEN);
      await page.click('#token-save');
      await expect.poll(() => page.textContent('#status')).toBe(`chut cannot read its data: Redis holds keys this chut cannot use (stats): Redis keys under "${newer}" use schema version 2; this chut understands version 1 and older. Upgrade chut, or use another redis.prefix.`);
      expect(await page.getAttribute('#status', 'class')).toMatch(/\berror\b/);
      await page.screenshot({ path: join(SHOTS, 'dashboard-schema.png') });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await server.close();
      await store.close();
      await removeKeys(redisUrl, newer);
    }
  });

  it('a block chut does not answer in time says the change may still have been made, not that it failed', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    await page.clock.install();
    await openDashboard(page, errors);
    const held: Route[] = [];
    await page.route('**/api/lists/**', (route) => { held.push(route); }); // never answered
    await page.fill('#list-entry', '0612345698');
    await page.click('[data-list="block"]');
    await expect.poll(() => held.length).toBe(1);
    await page.clock.runFor(16_000);
    await expect.poll(() => page.textContent('#list-message')).toMatch(/did not answer within 15 s: the change may still have been made/);
    await page.unroute('**/api/lists/**');
    for (const r of held) await r.abort().catch(() => undefined);
    expect(errors.filter((e) => !/ERR_FAILED|ERR_ABORTED/.test(e))).toEqual([]);
    await page.close();
  });

  it('a block Redis does not confirm in time: says it may or may not have been made, refreshes, and shows the number as chut has it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    await openDashboard(page, errors);
    // Redis ran the block but its answer came too late: chut answers 503 store-timeout (the change was made)
    await page.route('**/api/lists/**', async (route) => {
      await route.fetch();
      await route.fulfill({ status: 503, json: {
        error: 'store-timeout',
        message: 'the reputation store did not confirm the change in time (addListEntry): it may or may not have been applied; check before retrying',
      } });
    });
    const refreshes: string[] = [];
    page.on('request', (r) => { if (r.url().includes('/api/stats')) refreshes.push(r.url()); });
    await page.fill('#list-entry', '0177000055');
    await page.fill('#list-reason', '');
    await page.click('#block-button');
    await expect.poll(() => page.textContent('#list-message')).toBe('Redis did not confirm the change in time: it may or may not have been made. ' +
      'The page was refreshed; 0177000055 as chut has it now is shown under "Explain a number": check it before trying again.');
    // the page was refreshed, and the number explained: it is blocked after all
    await expect.poll(() => refreshes.length).toBe(2);
    await page.locator('#lookup-result:not([hidden])').waitFor();
    expect(await page.textContent('#lookup-result')).toContain('listed: block +33177000055');
    expect(await page.inputValue('#lookup-number')).toBe('0177000055');
    // a prefix cannot be explained: the message says how to check it
    await page.fill('#list-entry', '0177000*');
    await page.click('#block-button');
    await expect.poll(() => page.textContent('#list-message')).toMatch(/may or may not have been made\. The page was refreshed; check the prefix \(explain a number it covers\) before trying again\.$/);
    await page.unroute('**/api/lists/**');
    await page.screenshot({ path: join(SHOTS, 'dashboard-unconfirmed.png') });
    expect(errors.filter((e) => !/status of 503/.test(e))).toEqual([]);
    await page.close();
  });

  it('never piles refreshes up on a hung server: one at a time, each request given up after a timeout', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    await page.clock.install();
    await openDashboard(page, errors);
    let sent = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const api = (r: { url(): string }) => r.url().includes('/api/');
    page.on('request', (r) => { if (api(r)) { sent++; inFlight++; maxInFlight = Math.max(maxInFlight, inFlight); } });
    page.on('requestfinished', (r) => { if (api(r)) inFlight--; });
    page.on('requestfailed', (r) => { if (api(r)) inFlight--; });
    const held: Route[] = [];
    await page.route('**/api/**', (route) => { held.push(route); }); // never answered
    for (let i = 0; i < 10; i++) {
      await page.clock.runFor(60_000);
      await page.waitForTimeout(100);
    }
    // ten minutes: one refresh's requests at most in flight at any time, and each gave up (old: 20 hung requests)
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(sent).toBeLessThanOrEqual(30);
    expect(sent).toBeGreaterThan(0);
    await expect.poll(() => page.textContent('#status')).toMatch(/did not answer within 15 s/);
    expect(await page.getAttribute('.tiles', 'data-stale')).toBe('true');
    await page.unroute('**/api/**');
    for (const r of held) await r.abort().catch(() => undefined);
    expect(errors.filter((e) => !/ERR_FAILED|ERR_ABORTED/.test(e))).toEqual([]);
    await page.close();
  });

  it('sends nothing more while the token prompt is open, and one refresh after it', async () => {
    const page = await browser.newPage();
    await page.clock.install();
    const requests: string[] = [];
    page.on('request', (r) => { if (r.url().includes('/api/')) requests.push(new URL(r.url()).pathname); });
    await page.goto(`${chut.httpUrl}/`);
    await page.locator('#token-dialog[open]').waitFor({ timeout: 15_000 });
    await page.clock.runFor(30 * 60_000); // the admin left the tab on the prompt for half an hour
    await page.waitForTimeout(300);
    expect(requests.length).toBeLessThanOrEqual(3); // the first refresh's requests, waiting for the token
    const before = requests.length;
    await page.fill('#token-input', TOKEN);
    await page.click('#token-save');
    await page.locator('body[data-loaded="true"]').waitFor({ timeout: 15_000 });
    await page.waitForTimeout(500);
    // one refresh: the two stats and the calls, not a burst of every minute the prompt was open (old: 93 requests)
    expect(requests.slice(before).sort()).toEqual(['/api/calls', '/api/stats', '/api/stats']);
    await page.close();
  });

  it('never lets a late answer from an older refresh overwrite a newer one', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    await page.clock.install();
    await openDashboard(page, errors);
    const before = Number(await page.textContent('#calls-today'));
    // the next auto-refresh's stats are computed now but delivered late
    const late: Array<() => Promise<void>> = [];
    let holding = true;
    await page.route('**/api/stats?*', async (route) => {
      if (!holding) return route.continue();
      const res = await route.fetch();
      late.push(() => route.fulfill({ response: res }));
    });
    await page.clock.runFor(60_000);
    await expect.poll(() => late.length).toBe(2);
    holding = false;
    for (let i = 0; i < 2; i++) expect(await place(`+3361234571${i}`, 'Later')).toBe('ring');
    await page.click('#refresh');
    await expect.poll(() => page.textContent('#calls-today')).toBe(String(before + 2));
    await expect.poll(() => page.textContent('#status')).toBe('updated');
    for (const deliver of late) await deliver().catch(() => undefined); // the old answers arrive at last
    await page.waitForTimeout(500);
    expect(await page.textContent('#calls-today')).toBe(String(before + 2));
    expect(await page.textContent('#status')).toBe('updated');
    expect(errors.filter((e) => !/ERR_FAILED|ERR_ABORTED/.test(e))).toEqual([]);
    await page.close();
  });

  it('keeps the older calls the user paged to when it refreshes, adding only the newer ones at the top', async () => {
    for (let i = 0; i < 50; i++) expect(await place(`+336123458${String(i).padStart(2, '0')}`, `Paged ${i}`)).toBe('ring');
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    await page.clock.install();
    await openDashboard(page, errors);
    const rows = page.locator('#latest-calls tbody tr:not(.gap)');
    const callers = () => page.$$eval('#latest-calls tbody tr:not(.gap)', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.caller as string));
    expect(await rows.count()).toBe(20);
    await page.click('#older');
    await expect.poll(() => rows.count()).toBe(40);
    await page.click('#older');
    await expect.poll(() => rows.count()).toBe(60);
    const paged = await callers();
    // three calls come in; the auto-refresh a minute later adds them on top and keeps the 60 rows below
    for (let i = 0; i < 3; i++) expect(await place(`+3361234599${i}`, 'Newer')).toBe('ring');
    await page.clock.runFor(60_000);
    await expect.poll(() => rows.count()).toBe(63);
    expect((await callers()).slice(3)).toEqual(paged);
    expect((await callers()).slice(0, 3)).toEqual(['+33612345992', '+33612345991', '+33612345990']);
    // Older still goes on from where the user was: every call once, in order, as the API lists them
    const all = (await api('/api/calls?limit=500')).calls.map((c: { caller: string }) => c.caller);
    expect(all.length).toBeLessThan(83);
    await page.click('#older');
    await expect.poll(() => rows.count()).toBe(all.length);
    expect(await callers()).toEqual(all);
    // more new calls than one page: the rows on screen stay, and a marker says some in between are not shown
    const kept = await callers();
    for (let i = 0; i < 25; i++) expect(await place(`+336123460${String(i).padStart(2, '0')}`, 'Burst')).toBe('ring');
    await page.clock.runFor(60_000);
    await expect.poll(() => rows.count()).toBe(kept.length + 20);
    expect((await callers()).slice(20)).toEqual(kept);
    expect(await page.locator('#latest-calls tbody tr:nth-child(21)').getAttribute('class')).toBe('gap');
    await page.locator('#latest-calls tr.gap').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SHOTS, 'dashboard-paged.png') });
    // which the user can leave for the latest page alone
    await page.click('#latest-calls tr.gap button');
    await expect.poll(() => rows.count()).toBe(20);
    expect(await page.locator('#latest-calls tr.gap').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('labels the week chart with 7 consecutive local days across a DST change', async () => {
    // Paris, Monday 30 March 2026 at 00:30: the clocks went forward on Sunday 29, a day of 23 hours
    const context = await browser.newContext({ timezoneId: 'Europe/Paris', locale: 'en-GB', viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    const errors: string[] = [];
    await page.clock.install({ time: new Date('2026-03-29T22:30:00Z') });
    const byHour = {
      '2026-03-24T09': { ring: 1 }, // Tue 24, 10:00 CET
      '2026-03-28T11': { reject: 2 }, // Sat 28, 12:00 CET
      '2026-03-29T10': { reject: 3 }, // Sun 29, 12:00 CEST
      '2026-03-29T22': { ring: 1 }, // Mon 30, 00:00 CEST
    };
    const stats = {
      total: 7, byRoute: { ring: 2, reject: 5 }, byAction: { ring: 2, reject: 5 }, byHour, degraded: 0,
      captcha: { passed: 0, failed: 0, 'hung-up': 0, timeout: 0 }, topCallers: {},
    };
    await page.route('**/api/stats?*', async (route) => {
      const res = await route.fetch();
      if (!res.ok()) return route.fulfill({ response: res });
      await route.fulfill({ response: res, json: stats });
    });
    await openDashboard(page, errors);
    const week = await page.evaluate(() => {
      const C = (window as unknown as { Chart: { getChart(id: string): { data: { labels: string[]; datasets: Array<{ data: number[] }> } } } }).Chart;
      const { labels, datasets } = C.getChart('chart-week').data;
      return labels.map((l, i) => [l, datasets.reduce((s, d) => s + (d.data[i] ?? 0), 0)]);
    });
    expect(week).toEqual([['Tue 24', 1], ['Wed 25', 0], ['Thu 26', 0], ['Fri 27', 0], ['Sat 28', 2], ['Sun 29', 3], ['Mon 30', 1]]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('refreshes after midnight with a clock a little ahead of the server\'s: today has just begun, not a 400', async () => {
    // the server's clock at 23:59:30 UTC, the browser's 90 s ahead: its "today" starts in the server's future
    const server = await createHttpServer({
      config: parseConfig({ http: { port: 0, token: TOKEN } }), screening: chut.screening, store: chut.store, logger: silentLogger(),
      metrics: chut.metrics, adapters: [], clock: () => Date.parse('2026-11-29T23:59:30Z'),
    });
    const context = await browser.newContext({ timezoneId: 'UTC', locale: 'en-GB', viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    const errors: string[] = [];
    try {
      await page.clock.install({ time: new Date('2026-11-30T00:01:00Z') });
      await openDashboard(page, errors, server.url);
      expect(await page.textContent('#status')).toBe('updated');
      expect(await page.getAttribute('#calls-today', 'data-since')).toBe('2026-11-30T00:00:00.000Z');
      expect([await page.textContent('#calls-today'), await page.textContent('#rejected-today')]).toEqual(['0', '0']);
      expect(await page.locator('.stale').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await server.close();
    }
  });

  describe('in a time zone whose midnight is not on a UTC hour (India, UTC+5:30)', () => {
    // Hourly counters as the API holds them (UTC hours), answered as the API answers: from the top of the UTC hour
    // `since` falls in, through now.
    const byHour: Record<string, Record<string, number>> = {
      '2026-11-23T18': { ring: 5 }, // Mon 23, 23:30–00:30 IST: before the week
      '2026-11-23T19': { ring: 1 }, // Tue 24, 00:30
      '2026-11-29T18': { reject: 4 }, // Sun 29, 23:30–00:30: yesterday's last half hour
      '2026-11-29T19': { ring: 2 }, // Mon 30, 00:30
      '2026-11-29T20': { reject: 1 }, // Mon 30, 01:30
    };
    async function openAt(now: string, shot?: string) {
      const context = await browser.newContext({ timezoneId: 'Asia/Kolkata', locale: 'en-GB', viewport: { width: 1280, height: 1000 } });
      const page = await context.newPage();
      const errors: string[] = [];
      const asked: string[] = [];
      await page.clock.install({ time: new Date(now) });
      await page.route('**/api/stats?*', async (route) => {
        const res = await route.fetch();
        if (!res.ok()) return route.fulfill({ response: res }); // the 401 that asks for the token
        const sinceParam = new URL(route.request().url()).searchParams.get('since') as string;
        asked.push(sinceParam);
        const since = Math.floor(Date.parse(sinceParam) / 3_600_000) * 3_600_000;
        const hours = Object.entries(byHour).filter(([h]) => Date.parse(`${h}:00:00Z`) >= since && Date.parse(`${h}:00:00Z`) <= Date.parse(now));
        const byRoute: Record<string, number> = {};
        for (const [, routes] of hours) for (const [r, n] of Object.entries(routes)) byRoute[r] = (byRoute[r] ?? 0) + n;
        const total = Object.values(byRoute).reduce((a, b) => a + b, 0);
        await route.fulfill({ response: res, json: {
          since, total, byRoute, byAction: byRoute, byRule: {}, byHour: Object.fromEntries(hours), degraded: 0, shadow: 0,
          captcha: { passed: 0, failed: 0, 'hung-up': 0, timeout: 0 }, topCallers: {},
        } });
      });
      await openDashboard(page, errors);
      const charts = await page.evaluate(() => {
        const C = (window as unknown as { Chart: { getChart(id: string): { data: { labels: string[]; datasets: Array<{ data: number[] }> } } } }).Chart;
        const bars = (id: string) => {
          const { labels, datasets } = C.getChart(id).data;
          return labels.map((l, i) => [l, datasets.reduce((s, d) => s + (d.data[i] ?? 0), 0)] as [string, number]);
        };
        return { today: bars('chart-today'), week: bars('chart-week') };
      });
      const notes = await page.$$eval('[data-from]', (nodes) => nodes.map((n) => [n.getAttribute('data-from'), (n as HTMLElement).hidden ? null : n.textContent]));
      const tiles = { today: await page.textContent('#calls-today'), rejected: await page.textContent('#rejected-today'), week: await page.textContent('#calls-week') };
      if (shot) await page.screenshot({ path: join(SHOTS, shot) });
      expect(errors).toEqual([]);
      await context.close();
      return { asked: asked.sort(), charts, notes, tiles };
    }
    const sum = (bars: Array<[string, number]>) => String(bars.reduce((s, [, n]) => s + n, 0));

    it('counts today from the first whole hour of the day, leaves yesterday out, says so, and the charts add up to the tiles', async () => {
      const { asked, charts, notes, tiles } = await openAt('2026-11-29T20:15:00Z', 'dashboard-half-hour-zone.png'); // Monday 30, 01:45 IST
      // yesterday's 4 rejected calls from 23:30 are not today's (they were counted, and left out of the chart)
      expect(tiles).toEqual({ today: '3', rejected: '1', week: '8' });
      // local midnight is 18:30 UTC: counted from 19:00 UTC (00:30 IST), not from 18:00 (23:30 the day before)
      expect(asked).toEqual(['2026-11-23T19:00:00.000Z', '2026-11-29T19:00:00.000Z']);
      expect(charts.today).toEqual([['00:30', 2], ['01:30', 1]]);
      expect(sum(charts.today)).toBe(tiles.today);
      expect(charts.week.map(([day]) => day)).toEqual(['Tue 24', 'Wed 25', 'Thu 26', 'Fri 27', 'Sat 28', 'Sun 29', 'Mon 30']);
      expect(sum(charts.week)).toBe(tiles.week);
      expect(notes).toEqual([
        ['today', ' (from 00:30)'], ['today', ' (from 00:30)'], ['week', ' (from Tue 24, 00:30)'], ['today', ' (from 00:30)'], ['week', ' (from Tue 24, 00:30)'],
      ]);
    });

    it('before the first whole hour of the day has begun, counts from the hour holding midnight and says it is the day before\'s', async () => {
      const { asked, charts, notes, tiles } = await openAt('2026-11-29T18:40:00Z'); // Monday 30, 00:10 IST
      expect(asked).toEqual(['2026-11-23T19:00:00.000Z', '2026-11-29T18:00:00.000Z']);
      expect([tiles.today, tiles.rejected]).toEqual(['4', '4']);
      expect(charts.today).toEqual([['23:30', 4]]);
      expect(notes.filter(([which]) => which === 'today').map(([, text]) => text)).toEqual(Array(3).fill(' (from 23:30 the day before)'));
    });
  });

  it('blocks a number through the UI; its next call is rejected; the search box explains it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    await openDashboard(page, errors);
    const simCall = { callerNumber: '0175000042', callerName: 'Sales', dialled: '0100000000', behaviour: { kind: 'silent' } } as const;
    expect((await sim.placeCall(simCall)).route).toBe('ring');
    await page.fill('#list-entry', '01 75 00 00 42');
    await page.fill('#list-reason', 'sales calls');
    await page.selectOption('#list-expires', '30d');
    await page.click('#block-button');
    await expect.poll(() => page.textContent('#list-message')).toBe(`${TO_BLOCK} is now on the block list`);
    const next = await sim.placeCall(simCall);
    expect(next).toMatchObject({ route: 'reject', answered: false });
    await page.fill('#lookup-number', TO_BLOCK);
    await page.click('#lookup-form button[type=submit]');
    await page.locator('#lookup-result:not([hidden])').waitFor();
    const text = await page.textContent('#lookup-result');
    expect(text).toContain('reject');
    expect(text).toContain('blocklisted');
    expect(text).toContain('sales calls');
    await page.fill('#lookup-number', 'not a number');
    await page.click('#lookup-form button[type=submit]');
    await expect.poll(() => page.textContent('#lookup-result')).toMatch(/not a valid phone number/);
    await page.screenshot({ path: join(SHOTS, 'dashboard-block.png'), fullPage: true });
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    await page.close();
  });

  it('allow/block form: Enter blocks nothing, one request at a time, and messages that say what happened', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    await openDashboard(page, errors);
    const sent: string[] = [];
    page.on('request', (r) => { if (r.url().includes('/api/lists/')) sent.push(`${r.method()} ${decodeURIComponent(new URL(r.url()).pathname)}`); });
    const msg = () => page.textContent('#list-message');
    const listed = async (n: string) => (await api(`/api/numbers/${encodeURIComponent(n)}`)).listEntries.map((e: { list: string }) => e.list);
    const DENTIST = '+33175000077';
    // Enter in the reason (then in the number) field: a user typing "my dentist" must not block the dentist
    await page.fill('#list-entry', '01 75 00 00 77');
    await page.fill('#list-reason', 'my dentist');
    await page.press('#list-reason', 'Enter');
    await page.press('#list-entry', 'Enter');
    await page.waitForTimeout(500);
    expect(sent).toEqual([]);
    expect(await msg()).toBe('Choose Block, Allow or Remove.');
    expect(await listed(DENTIST)).toEqual([]);
    // a slow server and a double-click: one PUT, buttons disabled and "working…" meanwhile
    await page.route('**/api/lists/**', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      await route.continue();
    });
    await page.dblclick('#allow-button');
    expect(await msg()).toBe('working…');
    for (const id of ['#block-button', '#allow-button', '#unlist-button']) expect(await page.isDisabled(id)).toBe(true);
    expect(await page.getAttribute('#list-form', 'aria-busy')).toBe('true');
    await expect.poll(msg).toBe(`${DENTIST} is now on the allow list`);
    expect(sent).toEqual([`PUT /api/lists/allow/01 75 00 00 77`]);
    for (const id of ['#block-button', '#allow-button', '#unlist-button']) expect(await page.isEnabled(id)).toBe(true);
    // blocking it takes it off the allow list: the message says so
    await page.click('#block-button');
    await expect.poll(msg).toBe(`${DENTIST} is now on the block list (taken off the allow list)`);
    expect(await listed(DENTIST)).toEqual(['block']);
    // a double-click on Remove: one DELETE per list, and the message names the list that had it
    sent.length = 0;
    await page.dblclick('#unlist-button');
    await expect.poll(msg).toBe(`${DENTIST} removed from the block list`);
    expect(sent.sort()).toEqual(['DELETE /api/lists/allow/01 75 00 00 77', 'DELETE /api/lists/block/01 75 00 00 77']);
    expect(await page.getAttribute('#list-message', 'class')).toBe('message');
    // "not on any list" only when neither list had it
    await page.click('#unlist-button');
    await expect.poll(msg).toBe('01 75 00 00 77 is not on any list');
    expect(await listed(DENTIST)).toEqual([]);
    expect(errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
    await page.close();
  });

  it('asks before blocking a prefix as broad as a country code, and blocks nothing when told no', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    await openDashboard(page, errors);
    const asked: string[] = [];
    page.once('dialog', (dialog) => { asked.push(dialog.message()); void dialog.dismiss(); });
    await page.fill('#list-entry', '0*');
    await page.fill('#list-reason', '');
    await page.click('#block-button');
    await expect.poll(() => page.textContent('#list-message')).toMatch(/\+33\* has 3 digits or fewer/);
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(/Block it anyway\?$/);
    const simCall = { callerNumber: '0175000043', callerName: 'Friend', dialled: '0100000000', behaviour: { kind: 'silent' } } as const;
    expect((await sim.placeCall(simCall)).route).toBe('ring');
    expect(errors.filter((e) => !/status of 400/.test(e))).toEqual([]);
    await page.close();
  });

  it('fits a phone screen without horizontal scrolling', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    const errors: string[] = [];
    await openDashboard(page, errors);
    const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, view: window.innerWidth }));
    expect(widths.scroll).toBeLessThanOrEqual(widths.view);
    const overflowing = await page.evaluate(() => [...document.querySelectorAll('main *')]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1).map((el) => el.id || el.tagName));
    expect(overflowing).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'dashboard-phone.png'), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  describe('reporting a caller as spam from the latest calls', () => {
    /** The spam reports and score chut holds for `number`, and the lists it is on (GET /api/numbers). */
    async function stored(number: string): Promise<{ reports: number; score: number; lists: string[] }> {
      const x = await api(`/api/numbers/${encodeURIComponent(number)}`);
      return { reports: x.facts.reports, score: x.facts.score, lists: x.listEntries.map((e: { list: string }) => e.list) };
    }
    const row = (page: Page, number: string) => page.locator(`#latest-calls tbody tr[data-caller="${number}"]`).first();
    const outcome = (page: Page, number: string) => row(page, number).locator('xpath=following-sibling::tr[1][contains(@class, "report-outcome")]');

    it('asks first, reports, says what the report did to the number, and chut has it; withheld callers have no button', async () => {
      // calls of their own, on the first page of calls whatever the tests before placed
      const FRIEND = '+33612345610';
      expect(await place(FRIEND, 'Friend')).toBe('ring');
      expect(await place('anonymous', '', ['echo'])).toBe('ring');
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      await openDashboard(page, errors);
      // a button on every row whose caller is a number, none on a withheld caller's
      const rows = await page.$$eval('#latest-calls tbody tr[data-id]', (trs) => trs.map((tr) => [(tr as HTMLElement).dataset.caller, tr.querySelectorAll('button.report').length]));
      expect(rows.filter(([caller]) => caller === 'withheld').length).toBeGreaterThan(0);
      for (const [caller, buttons] of rows) expect([caller, buttons]).toEqual([caller, caller === 'withheld' ? 0 : 1]);
      // the number explained beforehand: its explanation follows the report
      await page.fill('#lookup-number', FRIEND);
      await page.press('#lookup-number', 'Enter');
      await expect.poll(() => page.textContent('#lookup-result')).toContain('reports 0');
      const sent: string[] = [];
      page.on('request', (r) => { if (r.url().includes('/api/reports/')) sent.push(`${r.method()} ${decodeURIComponent(new URL(r.url()).pathname)}`); });
      // named with its number for a screen reader, and worked from the keyboard
      const button = page.getByRole('button', { name: `Report spam: ${FRIEND}` });
      expect(await button.count()).toBe(1);
      const asked: string[] = [];
      page.once('dialog', (dialog) => { asked.push(dialog.message()); void dialog.dismiss(); });
      await button.focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => asked.length).toBe(1);
      expect(asked[0]).toBe(`Report ${FRIEND} as spam? Its score goes up, and chut may put it on the block list.`);
      // told no: nothing sent, nothing said
      await page.waitForTimeout(300);
      expect(sent).toEqual([]);
      expect(await outcome(page, FRIEND).count()).toBe(0);
      expect(await stored(FRIEND)).toEqual({ reports: 0, score: 0, lists: [] });
      page.once('dialog', (dialog) => void dialog.accept());
      await page.keyboard.press('Enter');
      const said = `Reported ${FRIEND} as spam: its score rose from 0.0 to 50.0 (1 report), and it is now on the block list.`;
      await expect.poll(() => outcome(page, FRIEND).textContent()).toBe(said);
      expect(sent).toEqual([`POST /api/reports/${FRIEND}`]);
      expect(await page.textContent('#report-status')).toBe(said);
      expect(await page.getAttribute('#report-status', 'role')).toBe('status');
      // chut has it: one report, the score of one, on the block list (reputation.blockOnReport)
      expect(await stored(FRIEND)).toEqual({ reports: 1, score: expect.closeTo(50, 3), lists: ['block'] });
      await expect.poll(() => page.textContent('#lookup-result')).toContain('reports 1');
      expect(await page.textContent('#lookup-result')).toContain(`listed: block ${FRIEND} (reported as spam)`);
      // the keyboard user is still on the button
      expect(await button.evaluate((b) => b === document.activeElement)).toBe(true);
      await page.locator('#latest-calls').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, 'dashboard-report.png') });
      // again: counted once, and it says so
      page.once('dialog', (dialog) => void dialog.accept());
      await button.click();
      await expect.poll(() => outcome(page, FRIEND).textContent())
        .toBe(`${FRIEND} was reported as spam already: this report was not counted again (score 50.0, 1 report); it is on the block list.`);
      expect(await stored(FRIEND)).toMatchObject({ reports: 1, lists: ['block'] });
      expect(await outcome(page, FRIEND).count()).toBe(1);
      expect(errors).toEqual([]);
      await page.close();
    });

    it('shows what went wrong in the row: the store down, a report Redis did not confirm, a refused token', async () => {
      const [DOWN, LATE, REFUSED] = ['+33612345611', '+33612345612', '+33612345613'];
      for (const number of [DOWN, LATE, REFUSED]) expect(await place(number, 'Someone')).toBe('ring');
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      await openDashboard(page, errors);
      page.on('dialog', (dialog) => void dialog.accept());
      const report = (number: string) => page.getByRole('button', { name: `Report spam: ${number}` }).click();
      // the store does not answer: nothing was reported, and the row says why
      await page.route('**/api/reports/**', (route) => route.fulfill({ status: 503, json: { error: 'store-unavailable', message: 'the reputation store did not answer (report); try again later' } }));
      await report(DOWN);
      await expect.poll(() => outcome(page, DOWN).textContent()).toBe(`${DOWN} could not be reported: the reputation store did not answer (report); try again later`);
      expect(await outcome(page, DOWN).locator('td').getAttribute('class')).toBe('message error');
      expect(await page.textContent('#report-status')).toBe(await outcome(page, DOWN).textContent());
      expect(await stored(DOWN)).toMatchObject({ reports: 0, lists: [] });
      await page.unroute('**/api/reports/**');
      // Redis took the report but did not confirm it: "may or may not", and the number as chut has it now
      await page.route('**/api/reports/**', async (route) => {
        await route.fetch();
        await route.fulfill({ status: 503, json: { error: 'store-timeout', message: 'the reputation store did not confirm the change in time (report): it may or may not have been applied; check before retrying' } });
      });
      await report(LATE);
      await expect.poll(() => outcome(page, LATE).textContent()).toBe('Redis did not confirm the report in time: it may or may not have been made. ' +
        `${LATE} as chut has it now is shown under "Explain a number": check it before reporting it again.`);
      expect(await page.inputValue('#lookup-number')).toBe(LATE);
      await expect.poll(() => page.textContent('#lookup-result')).toContain('reports 1');
      await page.unroute('**/api/reports/**');
      // a token chut refuses: asked for again; cancelled, the row says the token is needed
      await page.evaluate(() => window.sessionStorage.setItem('chut-token', 'not-the-token-0123456789'));
      await report(REFUSED);
      await page.locator('#token-dialog[open]').waitFor();
      expect(await page.textContent('#token-error')).toMatch(/^chut refused that token/);
      await page.click('#token-dialog button[value=cancel]');
      await expect.poll(() => outcome(page, REFUSED).textContent()).toBe(`${REFUSED} could not be reported: chut needs its API token: use the Token button to enter it`);
      expect(await stored(REFUSED)).toMatchObject({ reports: 0, lists: [] });
      await page.locator('#latest-calls').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, 'dashboard-report-errors.png') });
      expect(errors.filter((e) => !/status of (401|503)/.test(e))).toEqual([]);
      await page.close();
    });

    it('keeps a phone\'s calls as cards, the button beside the number and the outcome under it, with no horizontal scrolling', async () => {
      const context = await browser.newContext({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
      const page = await context.newPage();
      const errors: string[] = [];
      await openDashboard(page, errors);
      page.on('dialog', (dialog) => void dialog.accept());
      const PHONE = '+33612345690';
      expect(await place(PHONE, 'Someone')).toBe('ring');
      await page.click('#refresh');
      await row(page, PHONE).waitFor();
      await page.getByRole('button', { name: `Report spam: ${PHONE}` }).tap();
      await expect.poll(() => outcome(page, PHONE).textContent()).toMatch(/^Reported \+33612345690 as spam: its score rose/);
      // the button on the number's line, no wider than the card
      const boxes = await row(page, PHONE).evaluate((tr) => {
        const box = (e: Element | null) => (e as Element).getBoundingClientRect();
        const number = box(tr.querySelector('td.caller .number'));
        const button = box(tr.querySelector('button.report'));
        return { sameLine: Math.abs(number.top + number.height / 2 - (button.top + button.height / 2)) < number.height, right: button.right, width: window.innerWidth };
      });
      expect(boxes.sameLine).toBe(true);
      expect(boxes.right).toBeLessThanOrEqual(boxes.width);
      const overflowing = await page.evaluate(() => [...document.querySelectorAll('main *')]
        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1).map((el) => el.id || el.tagName));
      expect(overflowing).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await row(page, PHONE).scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, 'dashboard-report-phone.png') });
      expect(errors).toEqual([]);
      await context.close();
    });
  });
});
