/**
 * Simulated channels and the events about them, with the field names and order Asterisk 22 uses
 * (tests/fixtures/asterisk/ami-inbound-call-events.txt): `Event`, `Privilege`, the channel snapshot, then the
 * event's own fields.
 */
import type { Header, Packet } from './wire.js';

export interface SimChannel {
  name: string;
  uniqueid: string;
  linkedid: string;
  state: 0 | 4 | 5 | 6;
  callerNum: string;
  callerName: string;
  connectedNum: string;
  connectedName: string;
  context: string;
  exten: string;
  priority: number;
  vars: Map<string, string>;
  alive: boolean;
  /** The caller hangs up this channel now (the simulated call running on it; see AmiServer.hangUpOnSetvar). */
  hangUp?: () => void;
}

/** What chut-ami.conf's `${BASE64_ENCODE(_${value})}` produces. */
export function chutEncode(value: string): string {
  return Buffer.from(`_${value}`, 'utf8').toString('base64');
}

const STATE_DESC: Record<SimChannel['state'], string> = { 0: 'Down', 4: 'Ring', 5: 'Ringing', 6: 'Up' };

/** Asterisk escapes caller names in snapshots (ast_escape_c): a CR/LF never reaches the wire raw. */
export function escapeC(value: string): string {
  return value.replace(/[\\\r\n\t"]/g, (c) => ({ '\\': '\\\\', '\r': '\\r', '\n': '\\n', '\t': '\\t', '"': '\\"' })[c] ?? c);
}

function orUnknown(v: string): string {
  return v === '' ? '<unknown>' : v;
}

export function snapshot(ch: SimChannel, prefix = ''): Header[] {
  return [
    [`${prefix}Channel`, ch.name],
    [`${prefix}ChannelState`, String(ch.state)],
    [`${prefix}ChannelStateDesc`, STATE_DESC[ch.state]],
    [`${prefix}CallerIDNum`, orUnknown(escapeC(ch.callerNum))],
    [`${prefix}CallerIDName`, orUnknown(escapeC(ch.callerName))],
    [`${prefix}ConnectedLineNum`, orUnknown(escapeC(ch.connectedNum))],
    [`${prefix}ConnectedLineName`, orUnknown(escapeC(ch.connectedName))],
    [`${prefix}Language`, 'en'],
    [`${prefix}AccountCode`, ''],
    [`${prefix}Context`, ch.context],
    [`${prefix}Exten`, ch.exten],
    [`${prefix}Priority`, String(ch.priority)],
    [`${prefix}Uniqueid`, ch.uniqueid],
    [`${prefix}Linkedid`, ch.linkedid],
  ];
}

const PRIVILEGE: Record<string, string> = {
  Newexten: 'dialplan,all', VarSet: 'dialplan,all', UserEvent: 'user,all', DTMFBegin: 'dtmf,all', DTMFEnd: 'dtmf,all',
  FullyBooted: 'system,all', SuccessfulAuth: 'security,all',
};

/** The event class (`call`, `dialplan`, …) an EventMask filters on. */
export function eventClass(packet: Packet): string {
  const priv = packet[1]?.[1] ?? '';
  return priv.split(',')[0] ?? '';
}

export function channelEvent(event: string, ch: SimChannel, extra: Header[] = []): Packet {
  return [['Event', event], ['Privilege', PRIVILEGE[event] ?? 'call,all'], ...snapshot(ch), ...extra];
}

export function newexten(ch: SimChannel, application: string, appData: string): Packet {
  ch.priority += 1;
  return channelEvent('Newexten', ch, [['Extension', ch.exten], ['Application', application], ['AppData', appData]]);
}

export function varSet(ch: SimChannel, name: string, value: string): Packet {
  return channelEvent('VarSet', ch, [['Variable', name], ['Value', value]]);
}

export function hangupEvent(ch: SimChannel, cause: number, causeText: string): Packet {
  return channelEvent('Hangup', ch, [['Cause', String(cause)], ['Cause-txt', causeText]]);
}

export function dialEvent(event: 'DialBegin' | 'DialEnd', from: SimChannel, to: SimChannel, extra: Header[]): Packet {
  return [['Event', event], ['Privilege', 'call,all'], ...snapshot(from), ...snapshot(to, 'Dest'), ...extra];
}

export function bridgeEnter(bridge: string, members: number, ch: SimChannel): Packet {
  return [
    ['Event', 'BridgeEnter'], ['Privilege', 'call,all'], ['BridgeUniqueid', bridge], ['BridgeType', 'basic'],
    ['BridgeTechnology', 'simple_bridge'], ['BridgeCreator', '<unknown>'], ['BridgeName', '<unknown>'],
    ['BridgeNumChannels', String(members)], ['BridgeVideoSourceMode', 'none'], ...snapshot(ch),
  ];
}
