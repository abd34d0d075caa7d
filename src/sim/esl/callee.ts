/**
 * The leg a call's normal destination dials (`bridge` to the user's phone, a trunk, a mobile forward; an enterprise
 * originate's branch; a call-centre agent): FreeSWITCH's B-leg. Its events go to the inbound event socket only (chut's
 * `myevents` follow the caller's leg). Dialled with the caller's session (`bridge`), it carries `originator` (the
 * caller's uuid) and the caller's profile as its `Other-Leg-*` (originator), as in switch_core_session_outgoing_channel;
 * dialled without it (`enterprise`, `callcenter`: switch_ivr_originate(NULL, …)) it carries only the variables of the
 * originate that name the caller, and gets the caller's profile once bridged. CHANNEL_PROGRESS_MEDIA marks its early
 * media, CHANNEL_ANSWER only a real pickup.
 */
import { randomUUID } from 'node:crypto';
import type { Headers } from './frames.js';
import { eventHeaders, hangupFacts, type LegState, type OtherLeg } from './headers.js';
import type { DialledBy } from './sim-types.js';

/** The variables a leg gets from how it was dialled for the caller `callerUuid` (FreeSWITCH 1.10 source). */
function linkVariables(dialledBy: DialledBy, callerUuid: string): Record<string, string> {
  switch (dialledBy) {
    // switch_core_session_outgoing_channel, given the caller's session; switch_ivr_originate adds originating_leg_uuid
    case 'bridge': return { originator: callerUuid, signal_bond: callerUuid, originating_leg_uuid: callerUuid };
    // switch_ivr_enterprise_originate's variables; switch_ivr_originate adds originating_leg_uuid (the located a-leg)
    case 'enterprise': return { ent_originate_aleg_uuid: callerUuid, ignore_early_media: 'true', originating_leg_uuid: callerUuid };
    // mod_callcenter's agent originate (callback agents): cc_member_uuid is the member's queue entry, not its channel
    case 'callcenter': {
      const member = randomUUID();
      return {
        cc_queue: 'support@default', cc_member_uuid: member, cc_member_session_uuid: callerUuid, cc_member_pre_answer_uuid: member,
        cc_agent: '1000@default', cc_agent_type: 'callback', cc_side: 'agent', ignore_early_media: 'true',
      };
    }
  }
}

export class CalleeLeg {
  readonly state: LegState;

  private readonly caller: OtherLeg;

  /** `caller`: the caller's leg as this one sees it; `number`: what the destination dialled. */
  constructor(caller: Omit<OtherLeg, 'type'> & { callerName: string; callerNumber: string }, number: string,
    private readonly publishEvent: (build: () => Headers) => void, readonly dialledBy: DialledBy = 'bridge') {
    const uuid = randomUUID();
    const channelName = `sofia/internal/${number}@192.0.2.20`;
    this.caller = { type: 'originator', uuid: caller.uuid, channelName: caller.channelName, destination: caller.destination };
    this.state = {
      uuid, channelName, direction: 'outbound', callerName: caller.callerName, callerNumber: caller.callerNumber, destination: number,
      answerState: 'ringing', hangupCause: null, started: Date.now(), times: { answered: 0, progressMedia: 0, bridged: 0, hungUp: 0 },
      other: dialledBy === 'bridge' ? this.caller : null,
      // The recorded outbound leg's first variables (esl-inbound-events-plain-sip.txt), then those naming the caller.
      vars: { direction: 'outbound', is_outbound: 'true', uuid, call_uuid: uuid, channel_name: channelName, ...linkVariables(dialledBy, caller.uuid) },
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

  /** Bridged to the caller: a leg dialled without the caller's session gets its profile now (the enterprise originate's
   * winner, uuid_bridge). */
  bridged(at: number): void {
    this.state.times.bridged ||= at;
    this.state.other ??= this.caller;
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
