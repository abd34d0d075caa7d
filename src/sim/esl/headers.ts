/** The headers a simulated channel puts in its channel data and events (a realistic subset of FreeSWITCH's). */
import type { SimulatedCall } from '../types.js';
import { CORE_UUID, type Headers } from './frames.js';
import type { EslSimulatedCall } from './sim-types.js';

export interface ChannelState {
  uuid: string;
  call: SimulatedCall;
  vars: Record<string, string>;
  /** Answered by chut or, after screening, by the user's phone. */
  answered: boolean;
  hungUp: boolean;
  /** Epoch ms. */
  started: number;
  /** The caller profile's times (µs since the epoch, 0: not yet): answered by anyone, bridged to the user's phone. */
  times: { answered: number; bridged: number; hungUp: number };
}

export function channelName(call: SimulatedCall): string {
  return `sofia/external/${call.callerNumber.replace(/[^\w+]/g, '')}@192.0.2.10`;
}

const FEATURE_CODES: Record<string, string> = { '*77': 'spam', '*78': 'allow' };

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
    ['Unique-ID', s.uuid], ['Answer-State', s.answered ? 'answered' : 'ringing'],
    ['Caller-Caller-ID-Name', c.callerName], ['Caller-Caller-ID-Number', c.callerNumber], ['Caller-Orig-Caller-ID-Name', c.callerName],
    ['Caller-Destination-Number', c.dialled], ['Caller-Unique-ID', s.uuid], ['Caller-Context', c.fromInternalPhone ? 'default' : 'public'],
    ['variable_uuid', s.uuid],
    // mod_sofia's variables from the INVITE, the domain, then chut-screen's (chut.xml), set before `socket`
    ...Object.entries(s.vars).map(([k, v]) => [`variable_${k}`, v] as [string, string])];
  // chut.xml's feature-code extensions (context default only) mark the call before handing it to chut
  const feature = c.fromInternalPhone ? FEATURE_CODES[c.dialled] : undefined;
  if (feature) h.push(['variable_chut_feature', feature]);
  h.push(['variable_current_application', 'socket'], ['variable_current_application_data', `${socketData} async full`]);
  return h;
}

export function eventHeaders(s: ChannelState, name: string, extra: Headers): Headers {
  const now = Date.now();
  return [['Event-Name', name], ['Core-UUID', CORE_UUID], ['Event-Date-Timestamp', String(now * 1000)],
    ['Channel-State', s.hungUp ? 'CS_HANGUP' : 'CS_EXECUTE'], ['Unique-ID', s.uuid], ['Channel-Name', channelName(s.call)],
    ['Answer-State', s.hungUp ? 'hangup' : s.answered ? 'answered' : 'ringing'],
    ['Caller-Caller-ID-Name', s.call.callerName], ['Caller-Caller-ID-Number', s.call.callerNumber], ['Caller-Orig-Caller-ID-Name', s.call.callerName],
    ['Caller-Destination-Number', s.call.dialled], ...profileTimes(s),
    // The bridged leg's profile, as on a bridged call's events (Other-Type originatee)
    ...(s.times.bridged ? [['Other-Type', 'originatee'], ['Other-Leg-Destination-Number', s.call.dialled],
      ['Other-Leg-Unique-ID', s.vars.bridge_uuid ?? ''], ['Other-Leg-Channel-Name', s.vars.bridge_channel ?? '']] as Headers : []),
    // Every event carries the channel's variables, as on FreeSWITCH (play_and_get_digits' result too).
    ...Object.entries(s.vars).map(([k, v]) => [`variable_${k}`, v] as [string, string]),
    ...extra];
}

/** The caller profile's times (switch_caller_profile_event_set_data), in microseconds, 0 for a moment that never came:
 * answered by anyone (chut's own answer for a captcha or voicemail too), bridged to the user's phone, hung up. */
function profileTimes(s: ChannelState): Headers {
  const { answered, bridged, hungUp } = s.times;
  return [['Caller-Channel-Created-Time', String(s.started * 1000)], ['Caller-Channel-Answered-Time', String(answered)],
    ['Caller-Channel-Hangup-Time', String(hungUp)], ['Caller-Channel-Bridged-Time', String(bridged)]];
}

/** CHANNEL_HANGUP_COMPLETE's own facts: the cause and what switch_channel_set_timestamps adds (epochs, durations; billsec
 * counts from the leg's answer, whoever answered it). */
export function hangupFacts(s: ChannelState, cause: string): Headers {
  const { answered, bridged, hungUp } = s.times;
  const end = hungUp || Date.now() * 1000;
  const seconds = (from: number) => String(Math.floor(end / 1e6) - Math.floor(from / 1e6));
  return [['Hangup-Cause', cause], ['variable_hangup_cause', cause], ['variable_answer_uepoch', String(answered)],
    ['variable_bridge_uepoch', String(bridged)], ['variable_end_uepoch', String(end)], ['variable_duration', seconds(s.started * 1000)],
    ['variable_billsec', answered ? seconds(answered) : '0']];
}
