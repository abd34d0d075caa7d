/**
 * Webhook notifications against a real HTTP receiver on loopback (node:http, port 0).
 */
import { describe, it, expect, afterEach } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createNotifiers } from '../../src/notify/index.js';
import { createWebhookNotifier } from '../../src/notify/webhook.js';
import { recordPayload } from '../../src/notify/events.js';
import type { CallRecord } from '../../src/reputation/types.js';
import { until } from '../helpers/until.js';

interface Received { body: Record<string, unknown>; headers: IncomingMessage['headers']; url: string }
type Mode = (n: number, res: ServerResponse) => void;

interface Receiver { url: string; received: Received[]; setMode(m: Mode): void; close(): Promise<void> }

async function startReceiver(initial: Mode): Promise<Receiver> {
  const received: Received[] = [];
  let mode = initial;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>, headers: req.headers, url: req.url ?? '' });
      mode(received.length, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    setMode: (m) => { mode = m; },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const ok: Mode = (_n, res) => res.writeHead(204).end();
const hang: Mode = () => undefined;

function capture(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, logger: createLogger('debug', { write: (s: string) => { lines.push(s); } }) };
}

function record(over: Partial<CallRecord> = {}): CallRecord {
  return {
    time: Date.UTC(2026, 10, 28, 9, 30), pbx: 'asterisk-ari', callId: `c-${Math.random()}`, rawCaller: '0162000001',
    caller: '+33162000001', callerKind: 'valid', callerName: 'ROBOT', dialled: '+33123456789', action: 'reject',
    route: 'reject', rule: 'blocklist', reasons: ['on the blocklist'], shadow: false, degraded: false, captcha: null,
    latencyMs: 1, ...over,
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('webhook notifications', () => {
  it('POSTs the chosen events as JSON, with URL credentials as Basic auth, and never logs secrets', async () => {
    const rx = await startReceiver(ok);
    cleanups.push(() => rx.close());
    const { lines, logger } = capture();
    const hookUrl = rx.url.replace('http://', 'http://hookuser:s3cr3t-pass@') + '/hooks/chut?token=tok-very-secret';
    const config = parseConfig({ notifications: { webhook: { url: hookUrl, events: ['call-rejected', 'captcha-failed'] } } });
    const notifiers = createNotifiers(config, logger);
    cleanups.push(() => notifiers.close());

    notifiers.observer.onCallRecord?.(record({ action: 'ring', route: 'ring', rule: 'default' }));
    notifiers.observer.onCallRecord?.(record({ action: 'voicemail', route: 'voicemail' }));
    notifiers.observer.onAutoBlock?.('+33162000001', 99);
    notifiers.observer.onCallRecord?.(record({ callerName: 'SPAMCO' }));
    notifiers.observer.onCallRecord?.(record({ action: 'captcha', route: 'voicemail', captcha: 'failed', rule: 'unknown-mobile' }));

    await until(() => rx.received.length >= 2, 'two deliveries');
    // Deliveries are sequential and unselected events are never queued: nothing else can still arrive.
    expect(rx.received.map((r) => r.body.event)).toEqual(['call-rejected', 'captcha-failed']);
    expect(rx.received[0]!.body).toEqual({
      event: 'call-rejected', time: '2026-11-28T09:30:00.000Z', caller: '+33162000001', callerName: 'SPAMCO',
      dialled: '+33123456789', route: 'reject', rule: 'blocklist', reasons: ['on the blocklist'], pbx: 'asterisk-ari',
    });
    expect(rx.received[1]!.body).toMatchObject({ event: 'captcha-failed', route: 'voicemail', rule: 'unknown-mobile' });
    expect(rx.received[0]!.headers['content-type']).toBe('application/json');
    expect(rx.received[0]!.headers.authorization).toBe(`Basic ${Buffer.from('hookuser:s3cr3t-pass').toString('base64')}`);
    expect(rx.received[0]!.url).toBe('/hooks/chut?token=tok-very-secret');

    await notifiers.close();
    const log = lines.join('');
    expect(log).toContain('webhook delivered');
    expect(log).not.toContain('s3cr3t-pass');
    expect(log).not.toContain('tok-very-secret');
  });

  it('retries after a 500 and delivers the same body', async () => {
    const rx = await startReceiver((n, res) => res.writeHead(n === 1 ? 500 : 200).end('ok'));
    cleanups.push(() => rx.close());
    const hook = createWebhookNotifier({ url: rx.url, timeoutMs: 5000, retries: 3, logger: capture().logger, backoffMs: () => 50 });
    cleanups.push(() => hook.close());

    hook.send(recordPayload('call-rejected', record()));
    await until(() => hook.pending() === 0 && rx.received.length >= 2, 'the retry to succeed');
    expect(rx.received).toHaveLength(2);
    expect(rx.received[1]!.body).toEqual(rx.received[0]!.body);
  });

  it('does not retry a 400 (the receiver refuses the body)', async () => {
    const rx = await startReceiver((_n, res) => res.writeHead(400).end());
    cleanups.push(() => rx.close());
    const { lines, logger } = capture();
    const hook = createWebhookNotifier({ url: rx.url, timeoutMs: 5000, retries: 3, logger, backoffMs: () => 20 });
    cleanups.push(() => hook.close());

    hook.send(recordPayload('call-rejected', record()));
    await until(() => hook.pending() === 0, 'the delivery to end');
    expect(rx.received).toHaveLength(1);
    expect(lines.join('')).toContain('giving up');
  });

  it('a receiver that never answers does not block the observer, and delivery gives up after the retries', async () => {
    const rx = await startReceiver(hang);
    cleanups.push(() => rx.close());
    const { lines, logger } = capture();
    const config = parseConfig({ notifications: { webhook: { url: rx.url, events: ['call-rejected'], timeoutMs: 300, retries: 1 } } });
    const notifiers = createNotifiers(config, logger);
    cleanups.push(() => notifiers.close());

    const started = Date.now();
    const returned = notifiers.observer.onCallRecord?.(record());
    // Synchronous return: the request has not even reached the receiver yet.
    expect(returned).toBeUndefined();
    expect(rx.received).toHaveLength(0);
    expect(Date.now() - started).toBeLessThan(1000);

    await until(() => lines.join('').includes('giving up'), 'the webhook to give up');
    expect(rx.received).toHaveLength(2);
    const giveUp = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => String(l.msg).includes('giving up'));
    expect(giveUp).toMatchObject({ attempts: 2, why: 'no answer within 300 ms' });
  });

  it('names a redirect and does not retry it (fetch never follows one: the credentials stay with their host)', async () => {
    const rx = await startReceiver((_n, res) => res.writeHead(301, { location: 'https://elsewhere.example/' }).end());
    cleanups.push(() => rx.close());
    const { lines, logger } = capture();
    const hook = createWebhookNotifier({ url: rx.url, timeoutMs: 2000, retries: 3, logger, backoffMs: () => 10 });
    cleanups.push(() => hook.close());
    hook.send(recordPayload('call-rejected', record()));
    await until(() => lines.join('').includes('giving up'), 'the webhook to give up');
    const giveUp = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => String(l.msg).includes('giving up'));
    expect(giveUp).toMatchObject({ attempts: 1, why: expect.stringMatching(/unexpected redirect/) });
    expect(rx.received).toHaveLength(1);
  });

  it('keeps a bounded queue: the oldest waiting notifications are dropped and logged', async () => {
    const held: ServerResponse[] = [];
    const rx = await startReceiver((_n, res) => { held.push(res); });
    cleanups.push(() => rx.close());
    const { lines, logger } = capture();
    const hook = createWebhookNotifier({ url: rx.url, timeoutMs: 10_000, retries: 0, logger, maxQueue: 5 });
    cleanups.push(() => hook.close());

    for (let i = 0; i < 20; i++) hook.send(recordPayload('call-rejected', record({ callId: `call-${i}`, callerName: `n${i}` })));
    expect(hook.pending()).toBe(6); // 5 queued + 1 in flight
    expect(lines.join('')).toContain('webhook queue full');

    // Answer everything from now on: the first (in flight) and the 5 newest arrive, in order.
    await until(() => held.length === 1, 'the first request');
    rx.setMode(ok);
    held[0]!.writeHead(200).end();
    await until(() => hook.pending() === 0, 'the queue to drain');
    expect(rx.received.map((r) => r.body.callerName)).toEqual(['n0', 'n15', 'n16', 'n17', 'n18', 'n19']);
  });

  it('close() abandons a delivery stuck on a silent receiver, counting it among the undelivered', async () => {
    const rx = await startReceiver(hang);
    cleanups.push(() => rx.close());
    const { lines, logger } = capture();
    const hook = createWebhookNotifier({ url: rx.url, timeoutMs: 60_000, retries: 5, logger });
    hook.send(recordPayload('call-rejected', record()));
    hook.send(recordPayload('call-rejected', record()));
    await until(() => rx.received.length === 1, 'the first request');
    await hook.close();
    const closing = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => String(l.msg).includes('closed with undelivered'));
    expect(closing).toMatchObject({ undelivered: 2 }); // the one cut short and the one waiting
    expect(hook.pending()).toBe(0);
    hook.send(recordPayload('call-rejected', record()));
    expect(hook.pending()).toBe(0);
  });
});
