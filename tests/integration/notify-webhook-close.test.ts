/**
 * Stopping chut with webhook notifications still queued: they are delivered within a bounded grace (as MQTT's are),
 * and only what the grace could not deliver is dropped, with one warning saying how many.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CLOSE_GRACE_MS, createWebhookNotifier } from '../../src/notify/webhook.js';
import { capture, rejectedCall } from '../helpers/webhook.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

async function receiver(answer: (n: number, res: ServerResponse) => void) {
  let received = 0;
  let answered = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => { received++; answer(received, res); res.on('finish', () => { answered++; }); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=abc`, received: () => received, answered: () => answered };
}

describe('webhook close()', () => {
  it('delivers what is queued and in flight to a healthy receiver before it returns, without a failure line', async () => {
    const rx = await receiver((_n, res) => { setTimeout(() => res.writeHead(204).end(), 100); });
    const { lines, logger } = capture();
    const hook = createWebhookNotifier({ url: rx.url, timeoutMs: 3000, retries: 3, logger });
    for (let i = 0; i < 3; i++) hook.send(rejectedCall(i));
    await new Promise((r) => setTimeout(r, 20)); // the first one is on the wire
    const started = Date.now();
    await hook.close();
    const took = Date.now() - started;
    expect(rx.answered()).toBe(3);
    expect(took).toBeLessThan(CLOSE_GRACE_MS);
    expect(lines.filter((l) => /failed|undelivered/.test(String(l.msg)))).toEqual([]);
    hook.send(rejectedCall(9)); // closed: taken no more
    expect(hook.pending()).toBe(0);
  });

  it('retries at once while closing rather than after the backoff', async () => {
    const rx = await receiver((n, res) => res.writeHead(n === 1 ? 503 : 204).end());
    const { logger } = capture();
    const hook = createWebhookNotifier({ url: rx.url, timeoutMs: 3000, retries: 3, logger, backoffMs: () => 60_000 });
    hook.send(rejectedCall(1));
    await new Promise((r) => setTimeout(r, 100)); // refused once, now waiting a minute to retry
    const started = Date.now();
    await hook.close();
    // against the one-minute backoff; not tighter, as a loaded machine takes its time over the two requests
    expect(Date.now() - started).toBeLessThan(5000);
    expect(rx.received()).toBe(2);
  });

  it('gives a receiver that does not answer the grace only, then drops the rest with one warning saying how many', async () => {
    const rx = await receiver(() => undefined);
    const { lines, logger } = capture();
    const hook = createWebhookNotifier({ url: rx.url, timeoutMs: 60_000, retries: 5, logger });
    for (let i = 0; i < 3; i++) hook.send(rejectedCall(i));
    const started = Date.now();
    await hook.close(300);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(250);
    // below the default grace: a close() that ignored its argument (2 s) or waited for the 60 s request timeout fails;
    // 300 ms asked leaves 1.7 s for a loaded machine
    expect(took).toBeLessThan(CLOSE_GRACE_MS);
    expect(lines.filter((l) => /undelivered/.test(String(l.msg)))).toEqual([expect.objectContaining({ level: 40, undelivered: 3 })]);
    expect(lines.some((l) => /will retry/.test(String(l.msg)))).toBe(false); // the attempt close() cut short is no failure
    expect(hook.pending()).toBe(0);
  });

  it('does not hammer a failing receiver while closing, and its one warning counts every notification lost', async () => {
    const rx = await receiver((_n, res) => res.writeHead(503).end());
    const { lines, logger } = capture();
    const hook = createWebhookNotifier({ url: rx.url, timeoutMs: 3000, retries: 3, logger, backoffMs: () => 60_000 });
    for (let i = 0; i < 50; i++) hook.send(rejectedCall(i));
    await new Promise((r) => setTimeout(r, 50)); // the first is refused, waiting a minute to retry
    await hook.close(1000);
    // a short pause between attempts while closing: ~10 a second, not thousands
    expect(rx.received()).toBeLessThan(40);
    const warnings = lines.filter((l) => Number(l.level) >= 40);
    expect(warnings).toEqual([expect.objectContaining({ msg: 'webhook closed with undelivered notifications', undelivered: 50 })]);
  });
});
