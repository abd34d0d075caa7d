/**
 * A webhook receiver whose name lookup hangs. dns.lookup runs on libuv's 4-thread pool and cannot be cancelled: each
 * attempt that timed out used to leave its lookup running and the next one started another, so one unreachable
 * receiver filled the pool that fs, crypto, zlib and the Redis/PBX reconnects need. The lookup here is one the test
 * answers when it likes, given through the notifier's `lookup` option; the receiver is real (node:http on loopback).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, LookupFunction } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CLOSE_GRACE_MS, createWebhookNotifier } from '../../src/notify/webhook.js';
import { until } from '../helpers/until.js';
import { capture, rejectedCall } from '../helpers/webhook.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

async function receiver() {
  const received: Array<{ body: Record<string, unknown>; headers: IncomingMessage['headers'] }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>, headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return { port: (server.address() as AddressInfo).port, received };
}

/** A name lookup that answers nothing until answer(), then 127.0.0.1 to everyone waiting and to every later call. */
function hangingLookup() {
  const waiting: Array<() => void> = [];
  const state = { started: 0, outstanding: 0, mostOutstanding: 0, answered: false };
  const lookup: LookupFunction = (_hostname, options, callback) => {
    state.started++;
    state.outstanding++;
    state.mostOutstanding = Math.max(state.mostOutstanding, state.outstanding);
    const reply = (): void => {
      state.outstanding--;
      if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
      else callback(null, '127.0.0.1', 4);
    };
    if (state.answered) setImmediate(reply);
    else waiting.push(reply);
  };
  const answer = (): void => {
    state.answered = true;
    for (const reply of waiting.splice(0)) reply();
  };
  return { lookup, state, answer };
}

describe('webhook receiver whose name lookup hangs', () => {
  it('holds one lookup at most however many attempts time out, and delivers once the name answers', async () => {
    const rx = await receiver();
    const dns = hangingLookup();
    const { lines, logger } = capture();
    const hook = createWebhookNotifier({
      url: `http://hookuser:s3cr3t@hook.test:${rx.port}/hook?token=tok-secret`, timeoutMs: 150, retries: 2, logger,
      backoffMs: () => 10, lookup: dns.lookup,
    });
    cleanups.push(() => hook.close(0));

    hook.send(rejectedCall(1));
    hook.send(rejectedCall(2));
    await until(() => lines.filter((l) => l.msg === 'webhook delivery failed, giving up').length === 2, 'both notifications to be given up');
    // six attempts timed out, each waiting on a name: one lookup, still held, was ever asked for
    expect(lines.filter((l) => l.why === 'no answer within 150 ms')).toHaveLength(6);
    expect(dns.state.started).toBe(1);
    expect(dns.state.mostOutstanding).toBe(1);

    hook.send(rejectedCall(3));
    dns.answer();
    await until(() => rx.received.length === 1 && hook.pending() === 0, 'the third notification to be delivered');
    expect(rx.received[0]!.body).toMatchObject({ event: 'call-rejected', callerName: 'n3' });
    expect(rx.received[0]!.headers.authorization).toBe(`Basic ${Buffer.from('hookuser:s3cr3t').toString('base64')}`);
    expect(dns.state.mostOutstanding).toBe(1);
    const log = JSON.stringify(lines);
    expect(log).toContain(`"target":"http://hook.test:${rx.port}"`);
    expect(log).not.toContain('s3cr3t');
    expect(log).not.toContain('tok-secret');
  });

  it('close() does not wait for a lookup that never answers', async () => {
    const dns = hangingLookup();
    const { lines, logger } = capture();
    const hook = createWebhookNotifier({ url: 'http://hook.test:8080/hook', timeoutMs: 60_000, retries: 5, logger, lookup: dns.lookup });
    hook.send(rejectedCall(1));
    await until(() => dns.state.started === 1, 'the lookup');
    const started = Date.now();
    await hook.close(100);
    // against undici's 10 s connect timeout, which closing the Agent gently would wait out
    expect(Date.now() - started).toBeLessThan(CLOSE_GRACE_MS);
    expect(lines.filter((l) => l.msg === 'webhook closed with undelivered notifications')).toEqual([expect.objectContaining({ undelivered: 1 })]);
  });
});
