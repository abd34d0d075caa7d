import { describe, it, expect } from 'vitest';
import type { CallRecord } from '../../../src/reputation/types.js';
import {
  autoBlockPayload, homeAssistantDiscovery, lastBlockedPayload, recordEvents, recordPayload, selectEvents,
} from '../../../src/notify/events.js';
import { discoveryTopic } from '../../../src/notify/mqtt.js';

function record(over: Partial<CallRecord> = {}): CallRecord {
  return {
    time: Date.UTC(2026, 10, 28, 9, 30, 0),
    pbx: 'asterisk-ari',
    callId: '1764322200.42',
    rawCaller: '0162000001',
    caller: '+33162000001',
    callerKind: 'valid',
    callerName: 'TELEMARKETING',
    dialled: '+33123456789',
    action: 'reject',
    route: 'reject',
    rule: 'block-arcep-prefixes',
    reasons: ['prefix +33162 is a telemarketing block'],
    shadow: false,
    degraded: false,
    captcha: null,
    latencyMs: 1.2,
    ...over,
  };
}

describe('recordEvents', () => {
  it.each([
    ['rejected call', { route: 'reject' }, ['call-rejected']],
    ['rung call', { action: 'ring', route: 'ring', rule: 'default' }, []],
    ['voicemail route', { action: 'voicemail', route: 'voicemail' }, ['voicemail-routed']],
    ['captcha passed then rung', { action: 'captcha', route: 'ring', captcha: 'passed' }, []],
    ['captcha hung up', { action: 'captcha', route: 'ring', captcha: 'hung-up' }, []],
    ['captcha failed then voicemail', { action: 'captcha', route: 'voicemail', captcha: 'failed' }, ['captcha-failed', 'voicemail-routed']],
    ['captcha timeout then reject', { action: 'captcha', route: 'reject', captcha: 'timeout' }, ['call-rejected', 'captcha-failed']],
    // Shadow mode: the policy said reject but the call rang; nobody was blocked.
    ['shadow reject', { action: 'reject', route: 'ring', shadow: true }, []],
    ['degraded decision', { action: 'ring', route: 'ring', degraded: true }, []],
  ] as const)('%s', (_name, over, expected) => {
    expect(recordEvents(record(over as Partial<CallRecord>))).toEqual(expected);
  });
});

describe('selectEvents', () => {
  it('keeps only the events a channel asked for, in order', () => {
    expect(selectEvents(['call-rejected', 'captcha-failed'], ['captcha-failed', 'number-auto-blocked'])).toEqual(['captcha-failed']);
    expect(selectEvents(['voicemail-routed'], ['call-rejected'])).toEqual([]);
  });
});

describe('recordPayload', () => {
  it('has the documented shape with an ISO time', () => {
    expect(recordPayload('call-rejected', record())).toEqual({
      event: 'call-rejected',
      time: '2026-11-28T09:30:00.000Z',
      caller: '+33162000001',
      callerName: 'TELEMARKETING',
      dialled: '+33123456789',
      route: 'reject',
      rule: 'block-arcep-prefixes',
      reasons: ['prefix +33162 is a telemarketing block'],
      pbx: 'asterisk-ari',
    });
  });

  it('gives null for an empty caller name and keeps withheld callers as such', () => {
    const p = recordPayload('call-rejected', record({ caller: 'withheld', callerKind: 'withheld', callerName: '' }));
    expect(p.caller).toBe('withheld');
    expect(p.callerName).toBeNull();
  });

  it('caps hostile caller names and reason lists, and survives JSON round trips', () => {
    const hostile = `"}\n\u0000${'A'.repeat(5000)}`;
    const p = recordPayload('call-rejected', record({ callerName: hostile, reasons: Array.from({ length: 500 }, (_, i) => `r${i}`) }));
    expect(p.callerName!.length).toBeLessThanOrEqual(128);
    expect(p.reasons.length).toBeLessThanOrEqual(20);
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });

  it('does not throw on an impossible time', () => {
    expect(recordPayload('call-rejected', record({ time: Number.NaN })).time).toBe('1970-01-01T00:00:00.000Z');
  });
});

describe('autoBlockPayload', () => {
  it('names the number and the score, with null call fields', () => {
    const p = autoBlockPayload('+33162000001', 97.4, Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(p).toMatchObject({ event: 'number-auto-blocked', caller: '+33162000001', time: '2026-01-02T03:04:05.000Z', rule: 'auto-block', route: null, dialled: null, pbx: null, callerName: null });
    expect(p.reasons.join(' ')).toContain('97');
  });
});

describe('lastBlockedPayload', () => {
  it('keeps caller, name, time and rule', () => {
    expect(lastBlockedPayload(recordPayload('call-rejected', record()))).toEqual({
      caller: '+33162000001', callerName: 'TELEMARKETING', time: '2026-11-28T09:30:00.000Z', rule: 'block-arcep-prefixes',
    });
  });
});

describe('homeAssistantDiscovery', () => {
  it('points the sensor at the prefix topics', () => {
    const d = homeAssistantDiscovery('home/chut');
    expect(d.state_topic).toBe('home/chut/last_blocked');
    expect(d.json_attributes_topic).toBe('home/chut/last_blocked');
    expect(d.availability_topic).toBe('home/chut/status');
    expect(d.unique_id).toBe('home_chut_last_blocked');
    expect(d).not.toHaveProperty('availability');
  });

  it('with instance names, lists every instance\'s status topic: available while any of them is online', () => {
    const d = homeAssistantDiscovery('chut', ['chut/status/pbx1', 'chut/status/pbx2']);
    expect(d.availability).toEqual([
      { topic: 'chut/status/pbx1', payload_available: 'online', payload_not_available: 'offline' },
      { topic: 'chut/status/pbx2', payload_available: 'online', payload_not_available: 'offline' },
    ]);
    expect(d.availability_mode).toBe('any');
    // Home Assistant refuses availability_topic next to an availability list
    expect(d).not.toHaveProperty('availability_topic');
    expect(d.unique_id).toBe(homeAssistantDiscovery('chut').unique_id);
  });

  it('gives each topic prefix its own sensor (two chut instances are two sensors); the default prefix keeps chut_last_blocked', () => {
    expect([homeAssistantDiscovery('chut').unique_id, discoveryTopic('chut')]).toEqual(['chut_last_blocked', 'homeassistant/sensor/chut_last_blocked/config']);
    expect([homeAssistantDiscovery('office').unique_id, discoveryTopic('office')]).toEqual(['office_last_blocked', 'homeassistant/sensor/office_last_blocked/config']);
    expect((homeAssistantDiscovery('office').device as { identifiers: string[] }).identifiers).not.toEqual((homeAssistantDiscovery('chut').device as { identifiers: string[] }).identifiers);
  });
});
