/**
 * Which notification events a call record or an auto-block produces, and the JSON payload sent for each.
 * Pure: no I/O, no clock. The payload shape is public (webhook bodies, MQTT messages): documented in config/chut.example.yaml.
 */
import type { NotificationEvent } from '../config.js';
import type { CallRecord } from '../reputation/types.js';

/** The body of every webhook POST and every `<prefix>/event/<event>` MQTT message. */
export interface NotificationPayload {
  event: NotificationEvent;
  /** ISO 8601 (UTC) time of the call, or of the auto-block. */
  time: string;
  /** E.164 number, or `withheld` / `invalid`. */
  caller: string;
  /** Caller name as the PBX gave it (untrusted text, length-capped), or null. */
  callerName: string | null;
  /** Normalised dialled number; null for auto-blocks. */
  dialled: string | null;
  /** Route executed (`reject`, `voicemail`…); null for auto-blocks. */
  route: string | null;
  /** Policy rule that decided; `auto-block` for auto-blocks. */
  rule: string | null;
  reasons: string[];
  /** Which PBX adapter handled the call; null for auto-blocks. */
  pbx: string | null;
}

/** What `<prefix>/last_blocked` holds (retained), for Home Assistant's "last blocked caller" sensor. */
export interface LastBlockedPayload {
  caller: string;
  callerName: string | null;
  time: string;
  rule: string | null;
}

/** Caller-controlled text is capped so one hostile caller name cannot bloat every message. */
const MAX_TEXT = 128;
const MAX_REASONS = 20;

function cap(text: string): string {
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
}

function isoTime(epochMs: number): string {
  const d = new Date(epochMs);
  return Number.isFinite(d.getTime()) ? d.toISOString() : new Date(0).toISOString();
}

/** Events a finished call produces, in a stable order (a failed captcha routed to voicemail gives two). */
export function recordEvents(record: CallRecord): NotificationEvent[] {
  const events: NotificationEvent[] = [];
  if (record.route === 'reject') events.push('call-rejected');
  if (record.captcha === 'failed' || record.captcha === 'timeout') events.push('captcha-failed');
  if (record.route === 'voicemail') events.push('voicemail-routed');
  return events;
}

/** Keeps the events the user chose for one channel (webhook or MQTT). */
export function selectEvents(events: readonly NotificationEvent[], wanted: readonly NotificationEvent[]): NotificationEvent[] {
  return events.filter((e) => wanted.includes(e));
}

export function recordPayload(event: NotificationEvent, record: CallRecord): NotificationPayload {
  return {
    event,
    time: isoTime(record.time),
    caller: cap(String(record.caller)),
    callerName: record.callerName ? cap(String(record.callerName)) : null,
    dialled: cap(String(record.dialled)),
    route: String(record.route),
    rule: cap(String(record.rule)),
    reasons: (Array.isArray(record.reasons) ? record.reasons : []).slice(0, MAX_REASONS).map((r) => cap(String(r))),
    pbx: cap(String(record.pbx)),
  };
}

export function autoBlockPayload(e164: string, score: number, now: number): NotificationPayload {
  return {
    event: 'number-auto-blocked',
    time: isoTime(now),
    caller: cap(String(e164)),
    callerName: null,
    dialled: null,
    route: null,
    rule: 'auto-block',
    reasons: [`reputation score ${Math.round(score)} reached the auto-block threshold`],
    pbx: null,
  };
}

export function lastBlockedPayload(p: NotificationPayload): LastBlockedPayload {
  return { caller: p.caller, callerName: p.callerName, time: p.time, rule: p.rule };
}

/** The Home Assistant object id of a chut's "last blocked caller" sensor: `chut_last_blocked` for the default topic
 * prefix, and one per prefix otherwise, so that two chut instances (two PBXs) are two sensors, not one that each
 * overwrites. */
export function lastBlockedObjectId(topicPrefix: string): string {
  return `${topicPrefix.replace(/[^A-Za-z0-9_-]/g, '_')}_last_blocked`;
}

/**
 * Home Assistant MQTT discovery message for the "last blocked caller" sensor. `instanceStatusTopics`: the status
 * topics of the chut instances that share the prefix under instance names (mqtt-status.ts); the sensor is then
 * available while any of them says `online`. Without them it follows `<prefix>/status`, as it always did.
 */
export function homeAssistantDiscovery(topicPrefix: string, instanceStatusTopics?: readonly string[]): Record<string, unknown> {
  // HA takes either one availability_topic or an availability list, never both
  const availability = instanceStatusTopics
    ? {
      availability: instanceStatusTopics.map((topic) => ({ topic, payload_available: 'online', payload_not_available: 'offline' })),
      availability_mode: 'any',
    }
    : { availability_topic: `${topicPrefix}/status`, payload_available: 'online', payload_not_available: 'offline' };
  return {
    name: 'Last blocked caller',
    unique_id: lastBlockedObjectId(topicPrefix),
    icon: 'mdi:phone-cancel',
    state_topic: `${topicPrefix}/last_blocked`,
    value_template: '{{ value_json.caller }}',
    json_attributes_topic: `${topicPrefix}/last_blocked`,
    ...availability,
    device: { identifiers: [topicPrefix === 'chut' ? 'chut' : `chut_${lastBlockedObjectId(topicPrefix)}`], name: 'chut call screening', manufacturer: 'chut' },
  };
}
