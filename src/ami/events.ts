/**
 * The one place AMI packets become data: a parsed packet (packet-reader.ts: lower-cased keys, repeated keys as
 * arrays) → a typed union. Nothing else in chut reads AMI key/value packets.
 *
 * A channel UserEvent carries the channel snapshot FIRST and then the dialplan's own headers, so a header
 * present in both (e.g. `Uniqueid`) arrives as `[snapshot, custom]`: snapshot fields take the FIRST value,
 * and our own headers use `Chut*` names that cannot clash with the snapshot.
 */
import { detach } from '../detach.js';
import type { AmiPacket, AmiValue } from './packet-reader.js';

/** The IVR's outcomes, plus `prompt-failed`: its instructions did not play (PLAYBACKSTATUS=FAILED), the call rang. */
export type CaptchaReport = 'passed' | 'failed' | 'timeout' | 'hung-up' | 'prompt-failed';

/** The routes chut-ami.conf reports with `ChutRouted`: the one the call really took. */
export type RoutedReport = 'ring' | 'voicemail' | 'reject';

export type AmiEvent =
  | { type: 'fully-booted' }
  | {
      type: 'chut-query'; channel: string; uniqueid: string; callerNumber: string; callerName: string;
      dialled: string; verstat: string | null;
      /** How long the dialplan polls for CHUT_DECISION after this query, as it computes it (`dialplanWaitMs`). */
      waitMs: number;
      /** The dialplan context the query came from (the snapshot's): the context chut's IVR runs in. */
      context: string;
      /** `ChutVersion`: 2 and up, the dialplan reports the route it takes (`ChutRouted`); 1 (or absent), it does not. */
      version: number;
    }
  | { type: 'chut-captcha'; channel: string; uniqueid: string; outcome: CaptchaReport }
  | { type: 'chut-routed'; channel: string; uniqueid: string; route: RoutedReport }
  /** `*77`/`*78` (chut-features): `version` 2 and up, the dialplan waits for `CHUT_REPORTED` on `channel`. */
  | { type: 'chut-report'; channel: string; uniqueid: string; kind: 'spam' | 'allow'; target: string; version: number }
  | { type: 'new-channel'; channel: string; uniqueid: string }
  | { type: 'stasis-start'; channel: string; uniqueid: string; app: string }
  | { type: 'dial-begin'; uniqueid: string; destUniqueid: string; destChannel: string }
  | { type: 'dial-end'; uniqueid: string; destChannel: string; dialStatus: string }
  | { type: 'bridge-enter'; uniqueid: string; bridge: string }
  /** `context`/`exten`: where the channel was when it ended (after its h extension, when one ran); `up`: its
   * ChannelState was 6 (Up), i.e. it had been answered. */
  | {
      type: 'hangup'; channel: string; uniqueid: string; cause: number | null; causeText: string | null; context: string; exten: string;
      up: boolean;
    }
  | { type: 'dtmf'; uniqueid: string; digit: string; end: boolean };

/** First value of a header (the snapshot's, when the dialplan repeated the name), or '' when absent. */
export function first(p: AmiPacket, key: string): string {
  const v: AmiValue | undefined = p[key];
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v[0] ?? '';
  return '';
}

/** Our own headers are sent once; a second copy means someone forged one: take none. */
function own(p: AmiPacket, key: string): string | null {
  const v = p[key];
  return typeof v === 'string' ? v : null;
}

/**
 * Our dialplan sends caller data as `${BASE64_ENCODE(_<value>)}`: base64 cannot hold the commas, parentheses,
 * quotes or CR/LF that would split or end UserEvent's arguments, and the `_` keeps the input non-empty
 * (BASE64_ENCODE warns on empty input). Anything that is not exactly that → null.
 */
export function decodeValue(v: string | null): string | null {
  if (v === null || v.length > 4096 || v.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(v)) return null;
  const text = Buffer.from(v, 'base64').toString('utf8');
  return text.startsWith('_') ? text.slice(1) : null;
}

/**
 * chut-ami.conf's rule for `CHUT_WAIT_MS`, kept in step with the snippet (tests/unit/ami/wait-ms.test.ts reads it
 * there): whole milliseconds written with 1 to 5 digits and no leading 0, anything else (absent, `1500.5`, `2s`, `0`)
 * means 2000; the dialplan polls in 0.1 s ticks until the first whole tick at or past `waitms / 100`.
 */
export const WAIT_MS_RULE = /^[1-9][0-9]{0,4}$/;
export const DEFAULT_WAIT_MS = 2000;
const TICK_MS = 100;

/** How long the dialplan waits for CHUT_DECISION, given the `ChutWaitMs` it sent (null when absent). */
export function dialplanWaitMs(sent: string | null): number {
  const ms = sent !== null && WAIT_MS_RULE.test(sent) ? Number(sent) : DEFAULT_WAIT_MS;
  return Math.ceil(ms / TICK_MS) * TICK_MS;
}

const UNIQUEID = /^[0-9A-Za-z._-]{1,64}$/;
const CAPTCHA_REPORTS: readonly string[] = ['passed', 'failed', 'timeout', 'hung-up', 'prompt-failed'];
const ROUTED_REPORTS: readonly string[] = ['ring', 'voicemail', 'reject'];

/** `ChutVersion`: a whole number (the snippet writes it, never the caller); anything else is the first version. */
function queryVersion(v: string | null): number {
  return v !== null && /^[1-9][0-9]{0,3}$/.test(v) ? Number(v) : 1;
}

/**
 * A query's fields outlive the read they came in (a call waiting for its captcha outcome, its record kept through a
 * Redis outage): each is copied out of it (detach), or every waiting call would pin a whole 64 KB read.
 */
function chutQuery(p: AmiPacket): AmiEvent | null {
  const uniqueid = first(p, 'uniqueid');
  const channel = first(p, 'channel');
  if (!UNIQUEID.test(uniqueid) || !channel) return null;
  // Recorded-harness style (plain CallerIDNum/DID custom headers) is accepted as a fallback.
  const callerNumber = decodeValue(own(p, 'chutcaller')) ?? lastOf(p, 'calleridnum');
  const callerName = decodeValue(own(p, 'chutname')) ?? lastOf(p, 'calleridname');
  const dialled = decodeValue(own(p, 'chutdialled')) ?? (own(p, 'did') ?? first(p, 'exten'));
  const verstat = decodeValue(own(p, 'chutverstat'));
  return {
    type: 'chut-query', channel: detach(channel), uniqueid: detach(uniqueid), callerNumber: detach(callerNumber),
    callerName: detach(callerName), dialled: detach(dialled), verstat: verstat ? detach(verstat) : null,
    waitMs: dialplanWaitMs(own(p, 'chutwaitms')), context: detach(first(p, 'context')), version: queryVersion(own(p, 'chutversion')),
  };
}

function lastOf(p: AmiPacket, key: string): string {
  const v = p[key];
  if (Array.isArray(v)) return v[v.length - 1] ?? '';
  return typeof v === 'string' ? v : '';
}

function userEvent(p: AmiPacket): AmiEvent | null {
  const name = first(p, 'userevent');
  if (name === 'ChutQuery') return chutQuery(p);
  const uniqueid = first(p, 'uniqueid');
  if (!UNIQUEID.test(uniqueid)) return null;
  if (name === 'ChutCaptcha') {
    const outcome = own(p, 'chutoutcome') ?? '';
    if (!CAPTCHA_REPORTS.includes(outcome)) return null;
    return { type: 'chut-captcha', channel: first(p, 'channel'), uniqueid, outcome: outcome as CaptchaReport };
  }
  if (name === 'ChutRouted') {
    const route = own(p, 'chutroute') ?? '';
    if (!ROUTED_REPORTS.includes(route)) return null;
    return { type: 'chut-routed', channel: first(p, 'channel'), uniqueid, route: route as RoutedReport };
  }
  if (name === 'ChutReport') {
    const kind = own(p, 'chutkind');
    const target = decodeValue(own(p, 'chuttarget'));
    if ((kind !== 'spam' && kind !== 'allow') || target === null) return null;
    return { type: 'chut-report', channel: first(p, 'channel'), uniqueid, kind, target, version: queryVersion(own(p, 'chutversion')) };
  }
  return null;
}

function causeOf(p: AmiPacket): number | null {
  const n = Number(first(p, 'cause'));
  return first(p, 'cause') !== '' && Number.isInteger(n) ? n : null;
}

type Mapper = (p: AmiPacket) => AmiEvent | null;

const MAPPERS: Record<string, Mapper> = {
  fullybooted: () => ({ type: 'fully-booted' }),
  userevent: userEvent,
  newchannel: (p) => ({ type: 'new-channel', channel: first(p, 'channel'), uniqueid: first(p, 'uniqueid') }),
  newexten: (p) => (first(p, 'application').toLowerCase() === 'stasis'
    ? { type: 'stasis-start', channel: first(p, 'channel'), uniqueid: first(p, 'uniqueid'), app: first(p, 'appdata').split(',')[0] ?? '' }
    : null),
  dialbegin: (p) => ({
    type: 'dial-begin', uniqueid: first(p, 'uniqueid'), destUniqueid: first(p, 'destuniqueid'), destChannel: first(p, 'destchannel'),
  }),
  dialend: (p) => ({
    type: 'dial-end', uniqueid: first(p, 'uniqueid'), destChannel: first(p, 'destchannel'), dialStatus: first(p, 'dialstatus'),
  }),
  bridgeenter: (p) => ({ type: 'bridge-enter', uniqueid: first(p, 'uniqueid'), bridge: first(p, 'bridgeuniqueid') }),
  hangup: (p) => ({
    type: 'hangup', channel: first(p, 'channel'), uniqueid: first(p, 'uniqueid'), cause: causeOf(p),
    causeText: first(p, 'cause-txt') || null, context: first(p, 'context'), exten: first(p, 'exten'), up: first(p, 'channelstate') === '6',
  }),
  dtmfbegin: (p) => ({ type: 'dtmf', uniqueid: first(p, 'uniqueid'), digit: first(p, 'digit'), end: false }),
  dtmfend: (p) => ({ type: 'dtmf', uniqueid: first(p, 'uniqueid'), digit: first(p, 'digit'), end: true }),
};

/** Maps one parsed packet to an event we care about; null for everything else (most of the traffic). */
export function toAmiEvent(p: AmiPacket): AmiEvent | null {
  const name = first(p, 'event').toLowerCase();
  // own keys only: `Event: __proto__` must not reach Object.prototype
  const mapper = Object.hasOwn(MAPPERS, name) ? MAPPERS[name] : undefined;
  if (!mapper) return null;
  const ev = mapper(p);
  if (ev && 'uniqueid' in ev && ev.type !== 'chut-report' && !UNIQUEID.test(ev.uniqueid)) return null;
  return ev;
}
