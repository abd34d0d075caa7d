/**
 * The Asterisk ARI adapter: our Stasis app. Frames are parsed at the edge and dispatched to per-call sessions;
 * StasisStart opens one (screening or feature code), the rest feed the session of their channel.
 */
import type { AdapterDeps, ConnectionStatus, PbxAdapter } from '../screening/types.js';
import { reportCall, ROUTE_LABELS, screenCall, type CallDeps } from './calls.js';
import { DIGIT_SOUNDS, missingDigitSounds } from './digit-sounds.js';
import { createAriEvents, type RetryStrategy } from './connection.js';
import { eventChannelId, isChannelId, parseFrame, strandedChannel, type ParkedChannel, type StasisStart } from './events.js';
import { orphanCandidates } from './orphans.js';
import { refusedChannelKey, refusedChannelWarning, type RefusedChannelSeen } from './refused-channel.js';
import { createAriReleaser, releaseWithin } from './release.js';
import { AriHttpError, createAriRest } from './rest.js';
import type { CallSession } from './session.js';
import { stirShakenLateWarning } from './stir-shaken-late.js';
import { describeError } from '../logger.js';
import { RecentIds } from '../recent-ids.js';
import { HOUR_MS } from '../time-units.js';

export interface AriAdapterOptions {
  retryStrategy?: RetryStrategy;
  pingIntervalMs?: number;
  playbackTimeoutMs?: number;
  /** Delay after each (re)connection before continuing channels left in our app by a previous run. */
  orphanSweepDelayMs?: number;
  /** How long the sweep waits before continuing a channel it found unowned, in case its StasisStart is on its way
   * (default 2 s). */
  orphanRecheckMs?: number;
  /** Delay before each retry of a channel on the release list (default: 250 ms doubling to 5 s, jittered). */
  releaseRetryStrategy?: RetryStrategy;
  /** How long stop() keeps trying to send the channels still parked in our app on to the dialplan (default 3 s). */
  stopReleaseMs?: number;
  /** How often Asterisk is asked whether our Stasis app is still registered (default 10 s). */
  appCheckMs?: number;
}

export interface AriAdapter extends PbxAdapter {
  /** Calls chut is handling right now (the live-calls map's size). */
  liveCalls(): number;
  /** Channels on the release list: parked in our app, their `continue` still being retried. */
  releasing(): number;
}

export function createAriAdapter(deps: AdapterDeps, options: AriAdapterOptions = {}): AriAdapter {
  const { config, logger } = deps;
  const log = logger;
  const rest = createAriRest({
    url: config.ari.url, user: config.ari.user, password: config.ari.password,
    timeoutMs: config.ari.requestTimeoutMs, maxSockets: config.ari.maxConnections,
  });
  const events = createAriEvents({
    baseUrl: rest.baseUrl, authHeader: rest.authHeader, app: config.ari.app, logger: log,
    ...(options.retryStrategy ? { retryStrategy: options.retryStrategy } : {}),
    ...(options.pingIntervalMs ? { pingIntervalMs: options.pingIntervalMs } : {}),
    ...(options.appCheckMs ? { appCheckMs: options.appCheckMs } : {}),
    appRegistered,
  });
  const live = new Map<string, CallSession>();
  const releaser = createAriReleaser({
    rest, logger: log, ringLabel: ROUTE_LABELS.ring, requestTimeoutMs: config.ari.requestTimeoutMs,
    ...(options.releaseRetryStrategy ? { retryStrategy: options.releaseRetryStrategy } : {}),
  });
  const missingSounds = new Set<string>();
  const callDeps: CallDeps = {
    config, screening: deps.screening, logger: log, rest, live, release: releaser.release, missingSounds,
    stirShakenReadTimedOut: stirShakenLateWarning(log, config.ari.stirShakenReadMs),
    ...(options.playbackTimeoutMs ? { playbackTimeoutMs: options.playbackTimeoutMs } : {}),
  };
  let sweepTimer: NodeJS.Timeout | null = null;
  /** Sweeps waiting to re-check their candidates: each ends its wait when called. */
  const rechecks = new Set<() => void>();
  let stopping = false;

  /** GET /applications/{app}: 404 "Application not found" once Asterisk has dropped the app. */
  async function appRegistered(): Promise<boolean | null> {
    try {
      await rest.request('GET', `/applications/${encodeURIComponent(config.ari.app)}`);
      return true;
    } catch (err) {
      if (err instanceof AriHttpError && err.status === 404) return false;
      log.debug({ err: String(err) }, 'ARI: could not check the Stasis app registration');
      return null;
    }
  }

  function onStasisStart(ev: StasisStart): void {
    for (const started of sweeps) started.add(ev.channel.id);
    const [first, second] = ev.args;
    if (first === 'report') {
      if (second === 'spam' || second === 'allow') return void reportCall(callDeps, ev, second);
      // a miswritten feature code (Stasis(app,report,<other>) or no kind): nothing to report, but the phone must
      // not stay parked in our app, so it goes straight back to the dialplan (which hangs up), retried if need be
      log.warn({ callId: ev.channel.id, kind: second?.slice(0, 32) ?? null }, 'ARI: feature code with an unknown kind, sent back to the dialplan');
      releaser.release(ev.channel.id);
      return;
    }
    void screenCall(callDeps, ev);
  }

  events.on('frame', (raw) => {
    const parsed = parseFrame(raw);
    if (!parsed.ok) {
      log.debug({ error: parsed.error, frame: raw.slice(0, 200) }, 'ARI: malformed frame dropped');
      releaseStranded(raw);
      return;
    }
    const ev = parsed.event;
    if (ev.type === 'Other') return;
    if (ev.type === 'StasisStart') return onStasisStart(ev);
    if (ev.type === 'ApplicationReplaced') {
      if (ev.application === undefined || ev.application === config.ari.app) events.replaced();
      return;
    }
    const id = eventChannelId(ev);
    if (id) live.get(id)?.handle(ev);
    releaser.observe(ev);
  });

  const channelRefused = refusedChannelWarning(log);

  /** Channels counted as unscreened (`unreadable`, `orphan`, `channel-id`), so that one listed by several sweeps, or by
   * a sweep after (or before) its StasisStart, counts once. Bounded: a channel still parked after the release list's
   * hour is not one chut sends on. Refused channels go by refusedChannelKey. Says whether `key` was new. */
  const countedUnscreened = new RecentIds(10_000, HOUR_MS);
  function countUnscreened(key: string, reason: 'unreadable' | 'orphan' | 'channel-id'): boolean {
    if (countedUnscreened.has(key)) return false;
    countedUnscreened.add(key);
    deps.counters?.callUnscreened('asterisk-ari', reason);
    return true;
  }

  /** A channel parked in our app whose id cannot go in a REST path: nothing chut can do, the administrator must know.
   * Counted and warned of once, wherever chut meets it first (its StasisStart, or a sweep for one a previous run left). */
  function refuseChannel(channel: ParkedChannel, seen: RefusedChannelSeen): void {
    if (countUnscreened(refusedChannelKey(channel), 'channel-id')) channelRefused(channel.id, seen);
  }

  /** A StasisStart we cannot read still names a channel parked in our app: send it on (fail-open, never dead air). */
  function releaseStranded(raw: string): void {
    const channel = strandedChannel(raw);
    if (channel === null) return;
    const { id } = channel;
    if (!isChannelId(id)) return refuseChannel(channel, 'stasis-start');
    if (live.has(id)) return;
    log.warn({ callId: id }, 'ARI: unreadable StasisStart, letting the call ring (fail-open)');
    countUnscreened(id, 'unreadable');
    releaser.release(id);
  }

  /** For each sweep in progress, the channels whose StasisStart came since it listed the channels. */
  const sweeps = new Set<Set<string>>();

  /**
   * Channels parked in our app that no session owns (chut restarted mid-call): send them on (fail-open). A channel
   * shows `Stasis` in GET /channels as soon as it enters the application, before its StasisStart is sent, and that
   * frame comes over another connection (the WebSocket): a call arriving during the sweep would look orphaned and be
   * rung unscreened. So each candidate is looked at again after `orphanRecheckMs`, and left to its session if its
   * StasisStart came meanwhile. A channel whose id chut cannot put in a REST path is warned of and counted as its
   * StasisStart would be (refused-channel.ts, one throttle for both), unless chut met it already: chut cannot send it
   * on, but the administrator must know.
   */
  async function sweepOrphans(): Promise<void> {
    const started = new Set<string>();
    sweeps.add(started);
    try {
      let channels: unknown;
      try {
        channels = await rest.request<unknown>('GET', '/channels');
      } catch (err) {
        log.debug({ err: String(err) }, 'ARI: could not list channels for the orphan sweep');
        return;
      }
      const { candidates, refused } = orphanCandidates(channels, config.ari.app, (id) => live.has(id) || releaser.has(id));
      for (const channel of refused) refuseChannel(channel, 'sweep');
      if (candidates.length === 0) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { rechecks.delete(done); resolve(); }, options.orphanRecheckMs ?? 2000);
        const done = (): void => { clearTimeout(t); resolve(); };
        rechecks.add(done);
      });
      if (stopping) return; // stop() sends on every channel still in our hands itself
      for (const id of candidates) {
        if (live.has(id) || releaser.has(id) || started.has(id)) continue;
        log.warn({ callId: id }, 'ARI: channel left in Stasis by a previous connection, continuing it (fail-open)');
        countUnscreened(id, 'orphan');
        releaser.release(id);
      }
    } finally {
      sweeps.delete(started);
    }
  }

  events.on('status', (s) => {
    if (s.state !== 'ready') {
      for (const session of live.values()) session.streamLost();
      return;
    }
    if (sweepTimer) clearTimeout(sweepTimer);
    sweepTimer = setTimeout(() => {
      sweepTimer = null;
      // a fault of the sweep's own (a reply chut misread) must not become an unhandled rejection: one line says it
      sweepOrphans().catch((err: unknown) => log.warn({ err: describeError(err) },
        'ARI: the orphan sweep after a connection failed (a bug): calls a previous run left parked in our app wait there ' +
        'until the snippet\'s TIMEOUT(absolute) takes them back'));
    }, options.orphanSweepDelayMs ?? 1000);
    void checkDigitSounds();
  });

  /** Once per connection: Asterisk may have been restarted with other sounds installed. */
  async function checkDigitSounds(): Promise<void> {
    const missing = await missingDigitSounds(rest);
    const before = missingSounds.size;
    missingSounds.clear();
    if (missing.length === DIGIT_SOUNDS.length) {
      // None at all: either no sounds are installed (each playback then fails, and the call rings anyway) or they sit
      // outside a language folder, where Asterisk's index does not look although Playback finds them. Trusted, this
      // check would ring every captcha in the second case; not trusted, the first still rings.
      log.warn('ARI: Asterisk\'s sound index lists none of the digit sounds: not trusting it (install the core sounds in a language folder, e.g. sounds/en/digits/, or check they are there)');
      return;
    }
    for (const id of missing) missingSounds.add(id);
    if (missing.length) {
      log.error({ missing }, 'ARI: Asterisk lacks digit sounds the captcha speaks: a challenge holding one rings instead (install the core sounds)');
    } else if (before) {
      log.info('ARI: the captcha digit sounds are all there again');
    }
  }

  return {
    name: 'asterisk-ari',
    status: (): ConnectionStatus => events.status(),
    liveCalls: () => live.size,
    releasing: () => releaser.size(),
    async start() {
      stopping = false;
      log.info({ url: rest.baseUrl, app: config.ari.app }, 'ARI: starting');
      const settled = new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 5000);
        const onStatus = (s: ConnectionStatus) => {
          if (s.state === 'ready' || s.state === 'reconnecting' || s.state === 'closed') {
            clearTimeout(t);
            events.off('status', onStatus);
            resolve();
          }
        };
        events.on('status', onStatus);
      });
      events.start();
      await settled;
    },
    async stop() {
      stopping = true;
      if (sweepTimer) clearTimeout(sweepTimer);
      sweepTimer = null;
      for (const done of rechecks) done();
      rechecks.clear();
      await events.stop();
      // Fail-open on shutdown: calls still in our hands and channels on the release list go on to the dialplan
      // (ring) rather than dead air, each retried within one bounded window.
      // a live call whose failed leave left CHUT_ROUTE=voicemail/reject behind gets it set back to ring first
      const parked = new Map<string, boolean>([...live].map(([id, session]) => [id, session.routeVariableSet]));
      for (const { id, overwriteRoute } of releaser.takeAll()) parked.set(id, overwriteRoute || (parked.get(id) ?? false));
      const left = await releaseWithin(rest, parked, ROUTE_LABELS.ring, options.stopReleaseMs ?? 3000);
      if (left.length) log.error({ callIds: left.slice(0, 20), count: left.length }, 'ARI: stopping with channels still parked in our app (Asterisk did not answer)');
      // Those calls are the dialplan's now: end their sessions so nothing keeps retrying against a closed client.
      for (const session of live.values()) session.end('evicted');
      live.clear();
      rest.close();
    },
  };
}
