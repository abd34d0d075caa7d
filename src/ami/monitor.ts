/**
 * Call monitoring from AMI events, for both Asterisk modes: a call is followed once chut knows it screened
 * it (a `ChutQuery` UserEvent in AMI mode, the channel entering `Stasis()` in ARI mode: the ARI channel id
 * is this channel's Uniqueid, so the call ids match). DialEnd ANSWER / BridgeEnter tell who answered and
 * when; Hangup gives the cause, and the record is enriched.
 *
 * Memory stays bounded under any event flood: unrelated channels are never stored, state is dropped at
 * Hangup, after `callTimeoutMs`, and the oldest followed call goes first beyond `maxCalls`.
 */
import { detach } from '../detach.js';
import type { Logger } from '../logger.js';
import type { CallEnrichment } from '../reputation/types.js';
import type { ScreeningService } from '../screening/types.js';
import type { AmiEvent } from './events.js';

interface Followed {
  since: number;
  answeredAt: number | null;
  answeredBy: string | null;
}

export interface CallMonitorDeps {
  screening: ScreeningService;
  logger: Logger;
  callTimeoutMs: number;
  /** Follow calls screened through a ChutQuery (AMI screening on). */
  followQueries: boolean;
  /** Follow calls that enter Stasis(<this app>) (ARI mode); null = do not. */
  stasisApp: string | null;
  /** Waits before enriching, so the call record (written by the screening side) exists first. */
  beforeEnrich?: (callId: string) => Promise<void>;
  clock?: () => number;
  maxCalls?: number;
}

export interface CallMonitor {
  handle(ev: AmiEvent): void;
  /** Stops following a call (another chut instance screened it: that one enriches its record). */
  forget(uniqueid: string): void;
  sweep(): void;
  size(): number;
  idle(): Promise<void>;
}

/** `PJSIP/alice-0000002a` → `alice`, `Local/100@phone-sim-00000002;1` → `100`; null when unrecognisable. */
export function endpointOf(channel: string): string | null {
  const m = /^[A-Za-z0-9]+\/([^@;/\s]+?)(?:@[^;\s]*?)?(?:-[0-9a-f]{4,})?(?:;\d)?$/.exec(channel);
  const name = m?.[1] ?? null;
  return name && /^[A-Za-z0-9_.+*#-]{1,64}$/.test(name) ? name : null;
}

export function createCallMonitor(deps: CallMonitorDeps): CallMonitor {
  const clock = deps.clock ?? Date.now;
  const maxCalls = deps.maxCalls ?? 10_000;
  const calls = new Map<string, Followed>();
  const running = new Set<Promise<void>>();

  function follow(uniqueid: string): void {
    if (calls.has(uniqueid)) return;
    while (calls.size >= maxCalls) calls.delete(calls.keys().next().value as string);
    // Detached: a key cut from a 64 KB AMI read would pin the whole read until the call's Hangup.
    calls.set(detach(uniqueid), { since: clock(), answeredAt: null, answeredBy: null });
  }

  function answered(c: Followed, by: string | null): void {
    c.answeredAt ??= clock();
    c.answeredBy ??= by === null ? null : detach(by);
  }

  function hangup(ev: Extract<AmiEvent, { type: 'hangup' }>): void {
    const c = calls.get(ev.uniqueid);
    if (!c) return;
    calls.delete(ev.uniqueid);
    const now = clock();
    const enrichment: CallEnrichment = {
      answered: c.answeredAt !== null,
      answeredBy: c.answeredBy,
      talkSeconds: c.answeredAt !== null ? Math.round((now - c.answeredAt) / 1000) : null,
      hangupCause: ev.causeText ?? (ev.cause !== null ? `cause ${ev.cause}` : null),
    };
    const p = (async () => {
      await deps.beforeEnrich?.(ev.uniqueid);
      await deps.screening.enrichCall(ev.uniqueid, enrichment);
    })().catch((err: unknown) => deps.logger.warn({ callId: ev.uniqueid, err: String(err) }, 'AMI: enrichment failed'));
    running.add(p);
    void p.finally(() => running.delete(p));
  }

  return {
    handle(ev) {
      switch (ev.type) {
        case 'chut-query': if (deps.followQueries) follow(ev.uniqueid); break;
        case 'stasis-start': if (ev.app === deps.stasisApp) follow(ev.uniqueid); break;
        case 'dial-end': {
          const c = calls.get(ev.uniqueid);
          if (c && ev.dialStatus === 'ANSWER') answered(c, endpointOf(ev.destChannel));
          break;
        }
        case 'bridge-enter': {
          const c = calls.get(ev.uniqueid);
          if (c) answered(c, null);
          break;
        }
        case 'hangup': hangup(ev); break;
        default: break;
      }
    },
    forget(uniqueid) {
      calls.delete(uniqueid);
    },
    sweep() {
      const limit = clock() - deps.callTimeoutMs;
      for (const [id, c] of calls) if (c.since <= limit) calls.delete(id);
    },
    size: () => calls.size,
    async idle() {
      while (running.size) await Promise.allSettled([...running]);
    },
  };
}
