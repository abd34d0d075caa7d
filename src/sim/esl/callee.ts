/**
 * The leg a call's normal destination dials (`bridge` to the user's phone, a trunk, a mobile forward): FreeSWITCH's
 * B-leg. Its events go to the inbound event socket only (chut's `myevents` follow the caller's leg). As in
 * switch_core_session_outgoing_channel, it carries `originator` (the caller's uuid) and the caller's profile as its
 * `Other-Leg-*` (originator); CHANNEL_PROGRESS_MEDIA marks its early media, CHANNEL_ANSWER only a real pickup.
 */
import { randomUUID } from 'node:crypto';
import type { Headers } from './frames.js';
import { eventHeaders, hangupFacts, type LegState, type OtherLeg } from './headers.js';

export class CalleeLeg {
  readonly state: LegState;

  /** `caller`: the caller's leg as this one sees it; `number`: what the destination dialled. */
  constructor(caller: Omit<OtherLeg, 'type'> & { callerName: string; callerNumber: string }, number: string,
    private readonly publishEvent: (build: () => Headers) => void) {
    const uuid = randomUUID();
    const channelName = `sofia/internal/${number}@192.0.2.20`;
    this.state = {
      uuid, channelName, direction: 'outbound', callerName: caller.callerName, callerNumber: caller.callerNumber, destination: number,
      answerState: 'ringing', hangupCause: null, started: Date.now(), times: { answered: 0, progressMedia: 0, bridged: 0, hungUp: 0 },
      other: { type: 'originator', uuid: caller.uuid, channelName: caller.channelName, destination: caller.destination },
      // The recorded outbound leg's first variables (esl-inbound-events-plain-sip.txt), then what the core adds for a leg
      // a session dialled.
      vars: { direction: 'outbound', is_outbound: 'true', uuid, call_uuid: uuid, channel_name: channelName, originator: caller.uuid, signal_bond: caller.uuid },
    };
  }

  get uuid(): string {
    return this.state.uuid;
  }

  get channelName(): string {
    return this.state.channelName;
  }

  get hungUp(): boolean {
    return this.state.answerState === 'hangup';
  }

  /** 183 Session Progress with SDP. */
  earlyMedia(): void {
    this.state.times.progressMedia ||= Date.now() * 1000;
    this.state.answerState = 'early';
    this.publish('CHANNEL_PROGRESS_MEDIA');
  }

  /** 200 OK: switch_channel_perform_mark_answered sets the answer time, then fires CHANNEL_ANSWER. */
  answer(): void {
    this.state.times.answered = Date.now() * 1000;
    this.state.answerState = 'answered';
    this.publish('CHANNEL_ANSWER');
  }

  bridged(at: number): void {
    this.state.times.bridged ||= at;
  }

  hangup(cause: string): void {
    if (this.hungUp) return;
    this.state.times.hungUp = Date.now() * 1000;
    this.state.answerState = 'hangup';
    this.state.hangupCause = cause;
    this.publish('CHANNEL_HANGUP');
    this.publish('CHANNEL_HANGUP_COMPLETE', () => hangupFacts(this.state));
  }

  private publish(name: string, extra: () => Headers = () => []): void {
    this.publishEvent(() => eventHeaders(this.state, name, extra()));
  }
}
