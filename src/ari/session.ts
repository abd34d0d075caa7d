/**
 * The explicit per-call state machine. A session is entered on StasisStart and ends on StasisEnd, a hang-up
 * request, ChannelDestroyed, or when chut is done with the call; the adapter removes it from the live-calls
 * map at that point, so nothing outlives a call.
 *
 *   screening ──answer──► interacting ──leave──► leaving ──StasisEnd──► ended
 *       └────────────────────leave──────────────────┘          hang-up from any state ──► ended
 */
import type { AriEvent } from './events.js';

export type CallPhase = 'screening' | 'interacting' | 'leaving' | 'ended';

const NEXT: Record<CallPhase, readonly CallPhase[]> = {
  screening: ['interacting', 'leaving', 'ended'],
  interacting: ['leaving', 'ended'],
  leaving: ['ended', 'interacting'],
  ended: [],
};

export type EndReason = 'hung-up' | 'left-stasis' | 'destroyed' | 'finished' | 'evicted';

interface PlaybackWaiter {
  resolve: (state: string) => void;
}

/** The event stream broke while the call needed it (prompt ends, DTMF): the captcha cannot be trusted. */
export class AriEventsLostError extends Error {
  override readonly name = 'AriEventsLostError';
  constructor() {
    super('ARI event stream lost during the call');
  }
}

export class CallSession {
  phase: CallPhase = 'screening';
  endReason: EndReason | null = null;
  /** A leave has put CHUT_ROUTE on the channel: a variable outlives a failed continue, so whoever sends this call
   * on later (the fail-open ring, the release list, stop()) must set it back to ring first. */
  routeVariableSet = false;
  private readonly aborter = new AbortController();
  private readonly gone = new AbortController();
  private readonly lost = new AbortController();
  private readonly playbacks = new Map<string, PlaybackWaiter>();
  private digitListener: ((digit: string) => void) | null = null;
  /** Digits buffered since the armed prompt finished. Several frames can arrive in one tick (ws emits them
   * synchronously), so the switch from "discard" to "keep" must happen here, on the PlaybackFinished itself. */
  private digitBuffer: string[] | null = null;
  private armedPlayback: string | null = null;
  private readonly endListeners: Array<() => void> = [];

  constructor(readonly channelId: string) {}

  /** Aborts when the caller hangs up or the channel leaves Stasis behind our back. */
  get signal(): AbortSignal {
    return this.aborter.signal;
  }

  /** Aborts only when the caller is gone (hang-up, channel destroyed): not when the channel left Stasis without
   * us (the snippet's time limit rang it) or chut let it go (stop). Only this may count against the caller. */
  get callerGone(): AbortSignal {
    return this.gone.signal;
  }

  /** Aborts when the event stream broke at any point after this call's StasisStart. */
  get eventsLost(): AbortSignal {
    return this.lost.signal;
  }

  /**
   * The WebSocket went down (or another connection took our app over): events for this call may be gone for good,
   * Asterisk drops them while no connection holds the app, and a reconnection does not bring them back. A call still
   * being screened is marked too: a captcha started after the gap would be answered (the caller billed) and then wait
   * for a PlaybackFinished, a DTMF or a hang-up that fell in the gap. So answer() and every wait end now with
   * AriEventsLostError, and the screener's fail-open path rings the call, unanswered if it was not answered yet.
   * Leaving is not affected: REST still works.
   */
  streamLost(): void {
    if (this.phase === 'ended') return;
    for (const waiter of this.playbacks.values()) waiter.resolve('lost');
    this.playbacks.clear();
    this.lost.abort();
  }

  /** Moves to `next` if the table allows it; returns whether it moved. */
  transition(next: CallPhase): boolean {
    if (!NEXT[this.phase].includes(next)) return false;
    this.phase = next;
    return true;
  }

  handle(event: AriEvent): void {
    switch (event.type) {
      case 'ChannelDtmfReceived':
        if (this.digitListener) this.digitListener(event.digit);
        else this.digitBuffer?.push(event.digit);
        return;
      case 'PlaybackFinished': {
        if (event.playback.id === this.armedPlayback) this.keepDigits();
        const waiter = this.playbacks.get(event.playback.id);
        if (waiter) {
          this.playbacks.delete(event.playback.id);
          waiter.resolve(event.playback.state);
        }
        return;
      }
      case 'ChannelHangupRequest':
        this.end('hung-up');
        return;
      case 'ChannelDestroyed':
        this.end('destroyed');
        return;
      case 'StasisEnd':
        // After our own `continue` this is the normal goodbye; otherwise the channel left without us.
        this.end(this.phase === 'leaving' ? 'finished' : 'left-stasis');
        return;
      default:
        return;
    }
  }

  /** Registers interest in a playback before asking for it: its events may beat the REST reply. */
  expectPlayback(id: string): Promise<string> {
    return new Promise((resolve) => this.playbacks.set(id, { resolve }));
  }

  forgetPlayback(id: string): void {
    this.playbacks.delete(id);
  }

  /** Digits typed before this prompt ends are discarded; from its PlaybackFinished on they are kept. */
  armDigits(playbackId: string): void {
    this.armedPlayback = playbackId;
    this.digitBuffer = null;
  }

  /** Starts keeping digits now (no prompt, or its end was never reported). */
  keepDigits(): void {
    this.armedPlayback = null;
    this.digitBuffer ??= [];
  }

  /** One listener at a time: the current digit collection. It first receives the digits kept so far. */
  onDigit(listener: ((digit: string) => void) | null): void {
    this.digitListener = listener;
    if (!listener) {
      this.digitBuffer = null;
      this.armedPlayback = null;
      return;
    }
    const kept = this.digitBuffer ?? [];
    this.digitBuffer = null;
    for (const d of kept) {
      if (this.digitListener !== listener) return;
      listener(d);
    }
  }

  onEnd(listener: () => void): void {
    if (this.phase === 'ended') listener();
    else this.endListeners.push(listener);
  }

  end(reason: EndReason): void {
    if (this.phase === 'ended') return;
    const abortsCall = reason !== 'finished';
    this.phase = 'ended';
    this.endReason = reason;
    this.digitListener = null;
    for (const waiter of this.playbacks.values()) waiter.resolve('failed');
    this.playbacks.clear();
    if (reason === 'hung-up' || reason === 'destroyed') this.gone.abort();
    if (abortsCall) this.aborter.abort();
    for (const l of this.endListeners.splice(0)) l();
  }
}
