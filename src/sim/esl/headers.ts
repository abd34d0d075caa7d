/** The headers a simulated channel puts in its channel data and events (a realistic subset of FreeSWITCH's). */
import type { SimulatedCall } from '../types.js';
import { CORE_UUID, type Headers } from './frames.js';
import type { EslSimulatedCall } from './sim-types.js';

/** The caller profile's times (µs since the epoch, 0: not yet), as switch_caller_profile_event_set_data writes them. */
export interface ProfileTimes {
  /** Answered by anyone: chut (captcha, voicemail), the destination, or the phone the call dialled picking up. */
  answered: number;
  /** Early media (the bridge to a callee sending 183 + SDP pre-answers the caller's leg). */
  progressMedia: number;
  /** The bridge started: when the callee answered, or had early media. Not carried over by a transfer's new profile. */
  bridged: number;
  hungUp: number;
}

/** The other leg's profile in a leg's events (`Other-Type`, `Other-Leg-*`): the leg it dialled (originatee) or the leg
 * that dialled it (originator). */
export interface OtherLeg {
  type: 'originator' | 'originatee';
  uuid: string;
  channelName: string;
  destination: string;
}

/** One simulated channel as its events describe it: the caller's leg, or a leg it dialled. */
export interface LegState {
  uuid: string;
  channelName: string;
  direction: 'inbound' | 'outbound';
  callerName: string;
  callerNumber: string;
  /** The caller profile's destination number (after a transfer, the new profile's: where the call went). */
  destination: string;
  answerState: 'ringing' | 'early' | 'answered' | 'hangup';
  /** Set once the leg hung up. */
  hangupCause: string | null;
  /** Epoch ms. */
  started: number;
  times: ProfileTimes;
  other: OtherLeg | null;
  vars: Record<string, string>;
}

/** The screened caller's leg: its events' fields plus the call (the `connect` reply's channel data). */
export interface ChannelState extends LegState {
  call: SimulatedCall;
}

export function channelName(call: SimulatedCall): string {
  return `sofia/external/${call.callerNumber.replace(/[^\w+]/g, '')}@192.0.2.10`;
}

const FEATURE_CODES: Record<string, string> = { '*77': 'spam', '*78': 'allow' };

/** The report a call from an internal phone asks for (chut.xml's feature-code extensions, context default), if any. */
export function featureCodeOf(c: SimulatedCall): string | undefined {
  return c.fromInternalPhone ? FEATURE_CODES[c.dialled] : undefined;
}

/** INVITE headers sofia-sip parses itself: mod_sofia sets their own variables, not `sip_h_*`. */
const PARSED_BY_SOFIA = /^P-(Asserted|Preferred)-Identity$/i;

/**
 * The channel variables mod_sofia sets from the INVITE (esl-outbound-session-sip.txt): the From user and display
 * name, the whole From, the STIR/SHAKEN result, and (sofia_glue_set_extra_headers) every `X-*` (but `X-FS-*`) and `P-*`
 * header as `sip_h_<name>`. Every event of the call carries them, as the `connect` reply does.
 */
export function sipVariables(c: EslSimulatedCall): Record<string, string> {
  const vars: Record<string, string> = {
    sip_from_user: c.callerNumber, sip_from_display: c.callerName,
    sip_full_from: `"${c.callerName}" <sip:${c.callerNumber}@192.0.2.10>;tag=sim`,
  };
  for (const [name, value] of Object.entries(c.sipHeaders ?? {})) {
    const extra = (/^X-/i.test(name) && !/^X-FS-/i.test(name)) || (/^P-/i.test(name) && !PARSED_BY_SOFIA.test(name));
    if (extra && value !== '') vars[`sip_h_${name}`] = value;
  }
  if (c.verstat) {
    vars.sip_verstat = c.verstat;
    vars['sip_P-Asserted-Identity'] = `<sip:${c.callerNumber}@192.0.2.10;verstat=${c.verstat}>`;
  }
  return vars;
}

/** The `connect` reply's channel data (the reply headers are added by `connectReply`). */
export function channelData(s: ChannelState, socketData: string): Headers {
  const c = s.call;
  const h: Headers = [['Core-UUID', CORE_UUID], ['FreeSWITCH-Hostname', 'sim'],
    ['Channel-Direction', 'inbound'], ['Channel-Caller-ID-Name', c.callerName], ['Channel-Caller-ID-Number', c.callerNumber],
    ['Channel-Orig-Caller-ID-Name', c.callerName], ['Channel-Orig-Caller-ID-Number', c.callerNumber],
    ['Channel-Destination-Number', c.dialled], ['Channel-Unique-ID', s.uuid], ['Channel-Name', channelName(c)],
    ['Unique-ID', s.uuid], ['Answer-State', s.answerState],
    ['Caller-Caller-ID-Name', c.callerName], ['Caller-Caller-ID-Number', c.callerNumber], ['Caller-Orig-Caller-ID-Name', c.callerName],
    ['Caller-Destination-Number', c.dialled], ['Caller-Unique-ID', s.uuid], ['Caller-Context', c.fromInternalPhone ? 'default' : 'public'],
    ['variable_uuid', s.uuid],
    // mod_sofia's variables from the INVITE, the domain, then chut-screen's (chut.xml), set before `socket`
    ...Object.entries(s.vars).map(([k, v]) => [`variable_${k}`, v] as [string, string])];
  // chut.xml's feature-code extensions (context default only) mark the call before handing it to chut
  const feature = featureCodeOf(c);
  if (feature) h.push(['variable_chut_feature', feature]);
  h.push(['variable_current_application', 'socket'], ['variable_current_application_data', `${socketData} async full`]);
  return h;
}

/**
 * A channel event's fields, in the recorded order (esl-inbound-events-plain-sip.txt): the event's own, the hang-up
 * cause first on CHANNEL_HANGUP_COMPLETE, the channel's basic data (Hangup-Cause after Answer-State once hung up), the
 * caller profile, the other leg's profile, every variable (as FreeSWITCH does: play_and_get_digits' result too), then
 * `extra` (the application fields, a digit).
 */
export function eventHeaders(s: LegState, name: string, extra: Headers): Headers {
  const now = Date.now();
  const cause: Headers = s.hangupCause === null ? [] : [['Hangup-Cause', s.hangupCause]];
  return [['Event-Name', name], ['Core-UUID', CORE_UUID], ['Event-Date-Timestamp', String(now * 1000)],
    ...(name === 'CHANNEL_HANGUP_COMPLETE' ? cause : []),
    ['Channel-State', s.answerState === 'hangup' ? 'CS_HANGUP' : 'CS_EXECUTE'], ['Channel-Name', s.channelName], ['Unique-ID', s.uuid],
    ['Call-Direction', s.direction], ['Answer-State', s.answerState], ...cause,
    ['Caller-Caller-ID-Name', s.callerName], ['Caller-Caller-ID-Number', s.callerNumber], ['Caller-Orig-Caller-ID-Name', s.callerName],
    ['Caller-Destination-Number', s.destination], ['Caller-Unique-ID', s.uuid], ['Caller-Channel-Name', s.channelName], ...profileTimes(s),
    ...(s.other ? [['Other-Type', s.other.type], ['Other-Leg-Destination-Number', s.other.destination],
      ['Other-Leg-Unique-ID', s.other.uuid], ['Other-Leg-Channel-Name', s.other.channelName]] as Headers : []),
    ...Object.entries(s.vars).map(([k, v]) => [`variable_${k}`, v] as [string, string]),
    ...extra];
}

/** The caller profile's times (switch_caller_profile_event_set_data), in microseconds, 0 for a moment that never came. */
function profileTimes(s: LegState): Headers {
  const { answered, progressMedia, bridged, hungUp } = s.times;
  return [['Caller-Channel-Created-Time', String(s.started * 1000)], ['Caller-Channel-Answered-Time', String(answered)],
    ['Caller-Channel-Progress-Media-Time', String(progressMedia)], ['Caller-Channel-Hangup-Time', String(hungUp)],
    ['Caller-Channel-Bridged-Time', String(bridged)]];
}

/** CHANNEL_HANGUP_COMPLETE's own variables: the cause and what switch_channel_set_timestamps adds (epochs, durations, from
 * the current caller profile; billsec counts from the leg's answer, whoever answered it). */
export function hangupFacts(s: LegState): Headers {
  const { answered, bridged, hungUp } = s.times;
  const end = hungUp || Date.now() * 1000;
  const seconds = (from: number) => String(Math.floor(end / 1e6) - Math.floor(from / 1e6));
  return [['variable_hangup_cause', s.hangupCause ?? 'NORMAL_CLEARING'], ['variable_answer_uepoch', String(answered)],
    ['variable_bridge_uepoch', String(bridged)], ['variable_end_uepoch', String(end)], ['variable_duration', seconds(s.started * 1000)],
    ['variable_billsec', answered ? seconds(answered) : '0']];
}
