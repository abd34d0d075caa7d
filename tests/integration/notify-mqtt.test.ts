/**
 * MQTT notifications against the real Mosquitto on 127.0.0.1:1883, under a topic prefix unique to this run.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createNotifiers } from '../../src/notify/index.js';
import { createMqttNotifier, discoveryTopic } from '../../src/notify/mqtt.js';
import { lastBlockedPayload, recordPayload } from '../../src/notify/events.js';
import type { CallRecord } from '../../src/reputation/types.js';
import { until } from '../helpers/until.js';

const BROKER = 'mqtt://127.0.0.1:1883';
const prefix = `chuttest/${randomBytes(4).toString('hex')}`;

interface Msg { topic: string; text: string; retain: boolean }

/** A subscriber that collects every message it gets on `topics`. */
async function listen(topics: string[]): Promise<{ msgs: Msg[]; client: MqttClient }> {
  const client = await connectAsync(BROKER, { reconnectPeriod: 0 });
  const msgs: Msg[] = [];
  client.on('message', (topic, payload, packet) => msgs.push({ topic, text: payload.toString('utf8'), retain: packet.retain }));
  await client.subscribeAsync(topics, { qos: 1 });
  return { msgs, client };
}

function capture(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, logger: createLogger('debug', { write: (s: string) => { lines.push(s); } }) };
}

function record(over: Partial<CallRecord> = {}): CallRecord {
  return {
    time: Date.UTC(2026, 10, 28, 18, 5), pbx: 'freeswitch', callId: 'fs-1', rawCaller: '+33 1 62 00 00 01',
    caller: '+33162000001', callerKind: 'valid', callerName: 'CALL CENTRE', dialled: '+33123456789', action: 'reject',
    route: 'reject', rule: 'telemarketing-prefixes', reasons: ['ARCEP telemarketing prefix'], shadow: false,
    degraded: false, captcha: null, latencyMs: 2, ...over,
  };
}

const byTopic = (msgs: Msg[], topic: string): Msg[] => msgs.filter((m) => m.topic === topic);

afterAll(async () => {
  // Retained messages outlive the test: clear them (an empty retained payload deletes one).
  const c = await connectAsync(BROKER, { reconnectPeriod: 0 });
  for (const t of [`${prefix}/status`, `${prefix}/last_blocked`, discoveryTopic(prefix)]) await c.publishAsync(t, '', { retain: true, qos: 1 });
  await c.endAsync();
});

describe('MQTT notifications (real Mosquitto)', () => {
  it('publishes chosen events, the retained last blocked caller, status online/offline and HA discovery', async () => {
    const live = await listen([`${prefix}/#`]);
    const config = parseConfig({
      notifications: { mqtt: { url: BROKER, topicPrefix: prefix, events: ['call-rejected', 'number-auto-blocked'], homeAssistantDiscovery: true } },
    });
    const notifiers = createNotifiers(config, capture().logger);
    try {
      await until(() => byTopic(live.msgs, `${prefix}/status`).some((m) => m.text === 'online'), 'status online');

      notifiers.observer.onCallRecord?.(record({ action: 'ring', route: 'ring', rule: 'default', callerName: 'FRIEND' }));
      notifiers.observer.onCallRecord?.(record({ action: 'captcha', route: 'voicemail', captcha: 'failed', callerName: 'NOT-SELECTED' }));
      notifiers.observer.onCallRecord?.(record());
      notifiers.observer.onAutoBlock?.('+33162000002', 96);

      await until(() => byTopic(live.msgs, `${prefix}/event/number-auto-blocked`).length === 1, 'the auto-block event');
      await until(() => byTopic(live.msgs, `${prefix}/event/call-rejected`).length === 1, 'the call-rejected event');
      const rejected = JSON.parse(byTopic(live.msgs, `${prefix}/event/call-rejected`)[0]!.text) as Record<string, unknown>;
      expect(rejected).toEqual({
        event: 'call-rejected', time: '2026-11-28T18:05:00.000Z', caller: '+33162000001', callerName: 'CALL CENTRE',
        dialled: '+33123456789', route: 'reject', rule: 'telemarketing-prefixes', reasons: ['ARCEP telemarketing prefix'], pbx: 'freeswitch',
      });
      const autoBlock = JSON.parse(byTopic(live.msgs, `${prefix}/event/number-auto-blocked`)[0]!.text) as Record<string, unknown>;
      expect(autoBlock).toMatchObject({ event: 'number-auto-blocked', caller: '+33162000002', rule: 'auto-block' });
      expect(live.msgs.some((m) => m.topic.endsWith('/event/captcha-failed') || m.topic.endsWith('/event/voicemail-routed'))).toBe(false);
      expect(live.msgs.some((m) => m.text.includes('FRIEND') || m.text.includes('NOT-SELECTED'))).toBe(false);

      // A newcomer (Home Assistant starting) gets the retained state at once, flagged as retained.
      const late = await listen([`${prefix}/last_blocked`, `${prefix}/status`, discoveryTopic(prefix)]);
      await until(() => late.msgs.length >= 3, 'the retained messages');
      const lastBlocked = byTopic(late.msgs, `${prefix}/last_blocked`)[0]!;
      expect(lastBlocked.retain).toBe(true);
      expect(JSON.parse(lastBlocked.text)).toEqual({ caller: '+33162000001', callerName: 'CALL CENTRE', time: '2026-11-28T18:05:00.000Z', rule: 'telemarketing-prefixes' });
      expect(byTopic(late.msgs, `${prefix}/status`)[0]).toMatchObject({ text: 'online', retain: true });
      const discovery = byTopic(late.msgs, discoveryTopic(prefix))[0]!;
      expect(discovery.retain).toBe(true);
      expect(JSON.parse(discovery.text)).toMatchObject({ state_topic: `${prefix}/last_blocked`, availability_topic: `${prefix}/status`, unique_id: `${prefix.replace(/\//g, '_')}_last_blocked` });
      await late.client.endAsync();
    } finally {
      await notifiers.close();
    }

    await until(() => byTopic(live.msgs, `${prefix}/status`).some((m) => m.text === 'offline'), 'status offline');
    await live.client.endAsync();
    const after = await listen([`${prefix}/status`]);
    await until(() => after.msgs.length >= 1, 'the retained status');
    expect(after.msgs[0]).toMatchObject({ text: 'offline', retain: true });
    await after.client.endAsync();
  });

  it('a backlog full of held publishes still leaves the retained last_blocked at the latest rejected call', async () => {
    const topicPrefix = `${prefix}/held`;
    // publishes made before the connection is up wait in the backlog: 20 rejected calls against a backlog of 5
    const mqtt = createMqttNotifier({ url: BROKER, topicPrefix, homeAssistantDiscovery: false, logger: capture().logger, maxPending: 5 });
    try {
      for (let i = 0; i < 20; i++) mqtt.publishLastBlocked(lastBlockedPayload(recordPayload('call-rejected', record({ callId: `c${i}`, caller: `+331620000${String(i).padStart(2, '0')}` }))));
      const topic = `${topicPrefix}/last_blocked`;
      let latest = '';
      const sub = await listen([topic]);
      try {
        await until(() => { latest = byTopic(sub.msgs, topic).at(-1)?.text ?? ''; return latest.includes('+33162000019'); }, 'the latest caller to be retained');
      } finally {
        await sub.client.endAsync();
      }
    } finally {
      await mqtt.close();
      const c = await connectAsync(BROKER, { reconnectPeriod: 0 });
      await c.publishAsync(`${topicPrefix}/last_blocked`, '', { retain: true, qos: 1 });
      await c.publishAsync(`${topicPrefix}/status`, '', { retain: true, qos: 1 });
      await c.endAsync();
    }
  });

  it('an unusable broker URL disables MQTT with a log line instead of stopping chut', async () => {
    const { lines, logger } = capture();
    // config validation refuses such a URL; the notifier still defends itself against one
    const valid = parseConfig({ notifications: { mqtt: { url: 'mqtt://127.0.0.1:1', topicPrefix: prefix, events: ['call-rejected'] } } });
    const mqtt = { ...valid.notifications.mqtt, url: 'broker-without-scheme-hunter2-secret' } as NonNullable<typeof valid.notifications.mqtt>;
    const config = { ...valid, notifications: { ...valid.notifications, mqtt } };
    const notifiers = createNotifiers(config, logger);
    expect(notifiers.observer.onCallRecord?.(record())).toBeUndefined();
    await notifiers.close();
    const log = lines.join('');
    expect(log).toContain('MQTT notifications disabled');
    expect(log).not.toContain('hunter2-secret');
  });

  it('with the broker unreachable: observers return at once, errors are logged without secrets, close() ends', async () => {
    const { lines, logger } = capture();
    const config = parseConfig({
      notifications: { mqtt: { url: 'mqtt://127.0.0.1:1', username: 'ha', password: 'mqtt-pa55-secret', topicPrefix: prefix, events: ['call-rejected'] } },
    });
    const notifiers = createNotifiers(config, logger);
    // Each rejected call is two publishes (event + last_blocked): 600 calls overflow the 1000-message backlog.
    for (let i = 0; i < 600; i++) expect(notifiers.observer.onCallRecord?.(record())).toBeUndefined();
    expect(lines.join('')).toContain('mqtt backlog full');
    await until(() => lines.join('').includes('mqtt error'), 'the connection error to be logged');
    await notifiers.close();
    const log = lines.join('');
    expect(log).not.toContain('mqtt-pa55-secret');
    expect(log).toContain('127.0.0.1:1');
    // what never reached the broker is counted when chut stops: 1,000 events in the backlog and the held last_blocked
    const closing = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => String(l.msg).includes('closed with undelivered'));
    expect(closing).toMatchObject({ undelivered: 1001 });
  });
});
