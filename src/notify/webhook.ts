/**
 * Webhook delivery: POST JSON to one URL, with a per-attempt timeout, retries with capped exponential backoff,
 * and a bounded in-memory queue (oldest dropped when full). `send` only enqueues: call handling never waits
 * on the receiver. Deliveries run one at a time, in order. The URL's credentials (user:password@) become a
 * Basic Authorization header; only the URL's origin is ever logged (paths and queries often hold tokens).
 *
 * Each notifier has its own undici Agent whose connects share one name lookup per host (shared-lookup.ts): a
 * receiver whose DNS hangs holds at most one of libuv's 4 threadpool threads, however many attempts time out.
 * fetch and Agent both come from the `undici` package: Node's own fetch takes no Agent but one of the undici it
 * bundles, which Node does not export (and another major version's Agent does not fit its fetch).
 */
import type { LookupFunction } from 'node:net';
import { Agent, fetch } from 'undici';
import type { Logger } from '../logger.js';
import { sleep } from '../sleep.js';
import { splitUrlCredentials } from '../url-credentials.js';
import type { NotificationPayload } from './events.js';
import { sharedLookup } from './shared-lookup.js';

export interface WebhookOptions {
  url: string;
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Attempts after the first one. */
  retries: number;
  logger: Logger;
  /** Deliveries waiting at most; the oldest is dropped beyond this. */
  maxQueue?: number;
  /** Wait before retry number `attempt` (0-based). */
  backoffMs?: (attempt: number) => number;
  /** Name lookup (dns.lookup when absent), shared per host: tests give one that never answers. */
  lookup?: LookupFunction;
}

export interface WebhookNotifier {
  /** Enqueues one delivery and returns at once. */
  send(payload: NotificationPayload): void;
  /** Deliveries queued or in flight. */
  pending(): number;
  /** Stops: takes no more, goes on delivering what is queued (retrying at once rather than after the backoff) for at
   * most `withinMs` (CLOSE_GRACE_MS), then aborts the delivery in flight and drops the rest, with one warning saying
   * how many. */
  close(withinMs?: number): Promise<void>;
}

export const DEFAULT_MAX_QUEUE = 1000;
/** What close() gives the queue to flush, as MQTT's close does: a restart must not lose the notifications of the
 * calls it let finish, nor wait long for a receiver that does not answer. */
export const CLOSE_GRACE_MS = 2000;
/** Between two attempts at one notification while close() flushes the queue. */
const CLOSING_RETRY_MS = 100;

/** 1 s, 2 s, 4 s… capped at 30 s, with ±20 % jitter so several chut instances do not retry in step. */
export function defaultBackoff(attempt: number): number {
  const base = Math.min(30_000, 1000 * 2 ** attempt);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

interface Target {
  url: string;
  origin: string;
  headers: Record<string, string>;
}

/** Splits credentials out of the URL: Node's fetch refuses URLs that carry them. */
export function webhookTarget(rawUrl: string): Target {
  const { url, username, password } = splitUrlCredentials(rawUrl);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'chut' };
  if (username !== undefined || password !== undefined) {
    headers.authorization = `Basic ${Buffer.from(`${username ?? ''}:${password ?? ''}`).toString('base64')}`;
  }
  return { url, origin: new URL(url).origin, headers };
}

/** undici's reasons that no retry can change (they carry no code, and never the target). */
const PERMANENT = /^(unexpected redirect|redirect count exceeded|bad port)/i;

/** Error text without the URL: undici's messages carry a code in `cause`, never the target; a redirect or a port
 * fetch refuses is named (its `cause` has a message and no code). */
function describeError(err: unknown): string {
  const e = err as Error & { cause?: { code?: unknown; message?: unknown } };
  if (e.name === 'AbortError') return 'aborted';
  const reason = typeof e.cause?.message === 'string' && PERMANENT.test(e.cause.message) ? e.cause.message.slice(0, 60) : null;
  const code = typeof e.cause?.code === 'string' ? ` (${e.cause.code})` : reason ? ` (${reason})` : '';
  return `${e.name}: ${String(e.message).slice(0, 200)}${code}`;
}

type AttemptResult = { ok: true } | { ok: false; retry: boolean; why: string };

/**
 * One POST, ended at the timeout or when the notifier closes. Its own controller, unhooked from `stop` afterwards:
 * `AbortSignal.any([…, stop])` kept every attempt's signal alive on `stop` in Node 20 (nodejs/node#55351), a heap
 * that grew with every notification for as long as chut ran.
 */
async function postOnce(target: Target, dispatcher: Agent, body: string, timeoutMs: number, stop: AbortSignal): Promise<AttemptResult> {
  const attempt = new AbortController();
  const timer = setTimeout(() => attempt.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  const onStop = (): void => attempt.abort(stop.reason);
  if (stop.aborted) onStop();
  else stop.addEventListener('abort', onStop, { once: true });
  try {
    const res = await fetch(target.url, { method: 'POST', headers: target.headers, body, signal: attempt.signal, redirect: 'error', dispatcher });
    await res.body?.cancel().catch(() => undefined);
    if (res.ok) return { ok: true };
    // Other 4xx are the receiver refusing this body: retrying would only repeat the refusal.
    const retry = res.status >= 500 || res.status === 408 || res.status === 429;
    return { ok: false, retry, why: `HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { message?: unknown } };
    if (e.name === 'TimeoutError') return { ok: false, retry: true, why: `no answer within ${timeoutMs} ms` };
    const permanent = typeof e.cause?.message === 'string' && PERMANENT.test(e.cause.message);
    return { ok: false, retry: !permanent, why: describeError(err) };
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
  }
}

export function createWebhookNotifier(opts: WebhookOptions): WebhookNotifier {
  const target = webhookTarget(opts.url);
  const log = opts.logger.child({ notifier: 'webhook', target: target.origin });
  const maxQueue = opts.maxQueue ?? DEFAULT_MAX_QUEUE;
  const backoff = opts.backoffMs ?? defaultBackoff;
  // Lookups shared per host; the connect timeout, keep-alive and the rest are undici's defaults, as with plain fetch.
  const dispatcher = new Agent({ connect: { lookup: sharedLookup(opts.lookup) } });
  const stop = new AbortController();
  /** close(): the queue is being flushed, retries go at once. */
  const hurry = new AbortController();
  const queue: Array<{ event: string; body: string }> = [];
  let inFlight = 0;
  let dropped = 0;
  /** Notifications given up while close() flushed the queue: counted in its one warning, not logged each. */
  let givenUpClosing = 0;
  let worker: Promise<void> | null = null;

  async function deliver(item: { event: string; body: string }): Promise<void> {
    for (let n = 0; n <= opts.retries && !stop.signal.aborted; n++) {
      const result = await postOnce(target, dispatcher, item.body, opts.timeoutMs, stop.signal);
      if (result.ok) {
        log.debug({ event: item.event, attempt: n + 1 }, 'webhook delivered');
        return;
      }
      if (stop.signal.aborted) return; // cut short by close(): counted among the undelivered, not a failure to retry
      const closing = hurry.signal.aborted;
      if (!result.retry || n === opts.retries) {
        if (closing) givenUpClosing++;
        else log.warn({ event: item.event, attempts: n + 1, why: result.why }, 'webhook delivery failed, giving up');
        return;
      }
      if (!closing) log.info({ event: item.event, attempt: n + 1, why: result.why }, 'webhook delivery failed, will retry');
      // closing: a short pause, not the backoff (the grace is 2 s), nor none (a failing receiver would get thousands)
      await (closing ? sleep(CLOSING_RETRY_MS, stop.signal) : sleep(backoff(n), hurry.signal));
    }
  }

  async function drain(): Promise<void> {
    while (!stop.signal.aborted) {
      const item = queue[0];
      if (!item) break;
      inFlight = 1;
      await deliver(item);
      inFlight = 0;
      // taken off the queue once delivered or given up: one cut short by close() is still counted as undelivered
      if (!stop.signal.aborted) queue.shift();
    }
    worker = null;
  }

  return {
    send(payload) {
      if (hurry.signal.aborted) return;
      if (queue.length >= maxQueue + inFlight) {
        const oldest = queue.splice(inFlight, 1)[0]; // never the one being delivered
        dropped++;
        // One line per 100 drops: a dead receiver must not flood the log.
        if (dropped % 100 === 1) log.warn({ dropped, maxQueue, event: oldest?.event }, 'webhook queue full, dropping the oldest notification');
      }
      queue.push({ event: payload.event, body: JSON.stringify(payload) });
      worker ??= drain().catch((err: unknown) => {
        worker = null;
        log.error({ err }, 'webhook worker failed');
      });
    },
    pending: () => queue.length,
    async close(withinMs = CLOSE_GRACE_MS) {
      hurry.abort();
      if (worker) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([worker, new Promise<void>((resolve) => { timer = setTimeout(resolve, Math.max(0, withinMs)); })]);
        clearTimeout(timer);
      }
      stop.abort();
      await worker;
      // destroy, not close: close waits out undici's 10 s connect timeout for a connect still waiting on its lookup
      await dispatcher.destroy();
      const undelivered = queue.length + givenUpClosing;
      if (undelivered) log.warn({ undelivered, withinMs }, 'webhook closed with undelivered notifications');
      queue.length = 0;
    },
  };
}
