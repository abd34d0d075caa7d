/**
 * The release list: channels parked in our Stasis app that chut must send back to the dialplan but could not
 * (every `continue` of the call failed: REST refused at `sessionlimit`, 5xx, timeouts), and channels no session
 * owns (left by a previous connection, an unreadable StasisStart, a feature code of an unknown kind).
 * Asterisk never takes a channel out of Stasis by itself while chut is connected, so giving up would leave the
 * caller in dead air: each channel here is retried with capped, jittered backoff until Asterisk answers 204
 * (continued), 404 (gone) or 409 (not in Stasis any more), or until a StasisEnd / hang-up for it is seen.
 */
import type { Logger } from '../logger.js';
import { backoffDelay, type RetryStrategy } from '../retry.js';
import type { AriEvent } from './events.js';
import { AriHttpError, type AriRest } from './rest.js';
import { HOUR_MS } from '../time-units.js';

export interface ReleaseOptions {
  /** A failed route may have left CHUT_ROUTE=voicemail|reject on the channel: set it back to the ring label
   * before continuing, so the fail-open release rings rather than dispatching to the abandoned route. */
  overwriteRoute?: boolean;
}

export interface AriReleaser {
  /** Takes over `channelId` (no-op when already held) and starts retrying its `continue`. */
  release(channelId: string, opts?: ReleaseOptions): void;
  /** Feeds an event: a StasisEnd, hang-up request or ChannelDestroyed for a held channel drops it. */
  observe(event: AriEvent): void;
  has(channelId: string): boolean;
  /** Channels held now. */
  size(): number;
  /** Shutdown: stops the retry timers, hands back the held channels (for one last bounded round, see
   * releaseWithin) and takes no new ones. */
  takeAll(): Array<{ id: string; overwriteRoute: boolean }>;
}

export interface AriReleaserOptions {
  rest: AriRest;
  logger: Logger;
  /** The CHUT_ROUTE value that makes the snippet ring. */
  ringLabel: string;
  /** Delay before retry `attempt` (1-based); null gives the channel up. Default: 250 ms doubling to 5 s, jittered. */
  retryStrategy?: RetryStrategy;
  /** A channel still held after this long is given up (logged as an error). Default one hour: the dialplan's
   * TIMEOUT(absolute) around Stasis has long ended it by then. */
  maxHoldMs?: number;
  /** Per-request timeout. */
  requestTimeoutMs?: number;
}

interface Held {
  id: string;
  overwriteRoute: boolean;
  attempt: number;
  since: number;
  timer: NodeJS.Timeout | null;
}

/** Whether a failed request means the channel is no longer ours to release (gone, or out of Stasis already). */
export function channelSettled(err: unknown): boolean {
  return err instanceof AriHttpError && (err.status === 404 || err.status === 409);
}

/**
 * One release attempt: CHUT_ROUTE back to ring when asked, then a plain `continue`. Resolves true once the
 * channel has left our hands (continued, gone, or already out of Stasis), false when it should be tried again.
 * A failure to set the variable does not stop the `continue`: leaving Stasis towards the route chut had chosen
 * beats dead air.
 */
export async function releaseOnce(rest: AriRest, id: string, overwriteRoute: boolean, ringLabel: string, timeoutMs?: number): Promise<boolean> {
  const path = `/channels/${encodeURIComponent(id)}`;
  if (overwriteRoute) {
    try {
      await rest.request('POST', `${path}/variable`, { variable: 'CHUT_ROUTE', value: ringLabel }, timeoutMs);
    } catch (err) {
      if (err instanceof AriHttpError && err.status === 404) return true;
    }
  }
  try {
    await rest.request('POST', `${path}/continue`, undefined, timeoutMs);
    return true;
  } catch (err) {
    return channelSettled(err);
  }
}

/**
 * Shutdown: tries every channel (id → overwriteRoute) at once, each until it is released or `windowMs` has passed.
 * Returns the ids still parked.
 */
export async function releaseWithin(rest: AriRest, channels: ReadonlyMap<string, boolean>, ringLabel: string, windowMs: number): Promise<string[]> {
  const until = Date.now() + windowMs;
  const results = await Promise.all([...channels].map(async ([id, overwriteRoute]) => {
    for (let attempt = 1; ; attempt++) {
      const left = until - Date.now();
      if (left <= 0) return id;
      if (await releaseOnce(rest, id, overwriteRoute, ringLabel, Math.min(1000, left))) return null;
      const pause = Math.min(backoffDelay(attempt, 100, 500), until - Date.now());
      if (pause <= 0) return id;
      await new Promise((r) => setTimeout(r, pause));
    }
  }));
  return results.filter((id): id is string => id !== null);
}

export function createAriReleaser(o: AriReleaserOptions): AriReleaser {
  const held = new Map<string, Held>();
  let closed = false;
  const retry = o.retryStrategy ?? ((attempt: number) => backoffDelay(attempt, 250, 5000));
  const maxHoldMs = o.maxHoldMs ?? HOUR_MS;

  function drop(h: Held): void {
    if (h.timer) clearTimeout(h.timer);
    h.timer = null;
    if (held.get(h.id) === h) held.delete(h.id);
  }

  function schedule(h: Held): void {
    const wait = retry(h.attempt);
    if (wait === null || Date.now() - h.since > maxHoldMs) {
      o.logger.error({ callId: h.id, attempts: h.attempt }, 'ARI: giving up releasing a channel parked in our app');
      drop(h);
      return;
    }
    h.timer = setTimeout(() => { h.timer = null; void attempt(h); }, wait);
  }

  async function attempt(h: Held): Promise<void> {
    h.attempt += 1;
    const done = await releaseOnce(o.rest, h.id, h.overwriteRoute, o.ringLabel, o.requestTimeoutMs);
    if (held.get(h.id) !== h) return; // seen leaving, or taken back for shutdown, meanwhile
    if (done) {
      o.logger.info({ callId: h.id, attempts: h.attempt }, 'ARI: channel released to the dialplan (fail-open)');
      drop(h);
      return;
    }
    o.logger.debug({ callId: h.id, attempt: h.attempt }, 'ARI: release attempt failed, retrying');
    schedule(h);
  }

  return {
    release(id, opts = {}) {
      if (closed) return; // stopping: stop() already tries every channel chut held
      const existing = held.get(id);
      if (existing) {
        existing.overwriteRoute ||= opts.overwriteRoute ?? false;
        return;
      }
      const h: Held = { id, overwriteRoute: opts.overwriteRoute ?? false, attempt: 0, since: Date.now(), timer: null };
      held.set(id, h);
      o.logger.warn({ callId: id }, 'ARI: channel on the release list: its continue is retried until Asterisk lets it go (fail-open)');
      void attempt(h);
    },
    observe(event) {
      if (event.type !== 'StasisEnd' && event.type !== 'ChannelHangupRequest' && event.type !== 'ChannelDestroyed') return;
      const h = held.get(event.channel.id);
      if (h) drop(h);
    },
    has: (id) => held.has(id),
    size: () => held.size,
    takeAll() {
      closed = true;
      const all = [...held.values()];
      for (const h of all) drop(h);
      return all.map(({ id, overwriteRoute }) => ({ id, overwriteRoute }));
    },
  };
}
