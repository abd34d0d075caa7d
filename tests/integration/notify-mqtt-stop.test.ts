/**
 * The status chut leaves on the broker when it stops (real Mosquitto on 127.0.0.1:1883, through a hop that can hold
 * chut's traffic): `offline`, retained, even when an `online` was still on its way as chut began to stop. A retained
 * `online` written after it would show chut running (in Home Assistant) for as long as it is stopped.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { connectAsync } from 'mqtt';
import { createMqttNotifier } from '../../src/notify/mqtt.js';
import { lastBlockedPayload } from '../../src/notify/events.js';
import { startMqttHop, type MqttHop } from '../helpers/mqtt-hop.js';
import { until } from '../helpers/until.js';
import { capture, rejectedCall } from '../helpers/webhook.js';

const BROKER = 'mqtt://127.0.0.1:1883';
const run = `chuttest/${randomBytes(4).toString('hex')}`;
const retainedTopics: string[] = [];
const hops: MqttHop[] = [];

afterEach(async () => {
  for (const hop of hops.splice(0)) await hop.close();
});

afterAll(async () => {
  // Retained messages outlive the test: clear them (an empty retained payload deletes one).
  const c = await connectAsync(BROKER, { reconnectPeriod: 0 });
  for (const t of retainedTopics) await c.publishAsync(t, '', { retain: true, qos: 1 });
  await c.endAsync();
});

/** A subscriber to `topic` and the payloads it got, in order; it can write a live (not retained) message too. */
async function watch(topic: string): Promise<{ texts: string[]; publish(topic: string, text: string): Promise<unknown>; end(): Promise<void> }> {
  const client = await connectAsync(BROKER, { reconnectPeriod: 0 });
  const texts: string[] = [];
  client.on('message', (_topic, payload) => texts.push(payload.toString('utf8')));
  await client.subscribeAsync(topic, { qos: 1 });
  return { texts, publish: (t, text) => client.publishAsync(t, text, { qos: 1 }), end: () => client.endAsync() };
}

/** What a subscriber arriving now (Home Assistant starting) reads on `topic`: its retained message. */
async function retained(topic: string): Promise<string> {
  const newcomer = await watch(topic);
  try {
    await until(() => newcomer.texts.length > 0, `the retained message on ${topic}`);
    return newcomer.texts[0] as string;
  } finally {
    await newcomer.end();
  }
}

async function setUp(name: string, maxPending?: number) {
  const topicPrefix = `${run}/${name}`;
  const status = `${topicPrefix}/status`;
  retainedTopics.push(status, `${topicPrefix}/last_blocked`);
  const hop = await startMqttHop(BROKER);
  hops.push(hop);
  const { lines, logger } = capture();
  const mqtt = createMqttNotifier({ url: hop.url, topicPrefix, homeAssistantDiscovery: false, logger, maxPending, reconnectPeriodMs: 200 });
  const live = await watch(status);
  await until(() => live.texts.includes('online'), 'chut online');
  /** Whatever the test did: the hop passes everything on, chut's notifier is closed, the watcher gone. */
  const tearDown = async () => {
    hop.release();
    await mqtt.close();
    await live.end();
  };
  return { status, hop, lines, mqtt, live, tearDown };
}

describe('the status chut leaves when it stops (real Mosquitto)', () => {
  it('an `online` held back by a full backlog is not sent after the `offline` of close()', async () => {
    const { status, hop, lines, mqtt, live, tearDown } = await setUp('held', 2);
    const answered = () => lines.filter((l) => String(l.msg).includes('set this chut offline')).length;
    try {
      // its subscription is live: an `offline` another client writes is answered
      await live.publish(status, 'offline');
      await until(() => answered() === 1 && live.texts.at(-1) === 'online', 'the offline answered with online');

      // the broker stops acknowledging: two retained publishes fill the backlog of 2
      hop.hold();
      for (const i of [1, 2]) mqtt.publishLastBlocked(lastBlockedPayload(rejectedCall(i)));
      // the answer to this `offline` finds the backlog full: it is held back, to be sent once there is room
      await live.publish(status, 'offline');
      await until(() => answered() === 2, 'the second offline answered');

      const closing = mqtt.close();
      await until(() => hop.held().includes('offline'), 'the offline of close() to be sent');
      hop.release(); // the broker acknowledges the backlog: room for the held `online`, after the `offline`
      await closing;
    } finally {
      await tearDown();
    }
    expect(await retained(status)).toBe('offline');
  });

  it('stopping while a reconnection resends what the outage held back: the `online` of that reconnection is not sent after the `offline`', async () => {
    const { status, hop, mqtt, tearDown } = await setUp('reconnecting');
    try {
      await hop.cut();
      mqtt.publishLastBlocked(lastBlockedPayload(rejectedCall(1))); // held by mqtt.js until the broker is back
      hop.hold();
      await hop.heal();
      // connected again, and resending the held publish: it says `online` once the broker has acknowledged it
      await until(() => hop.held().length > 0, 'the held publish to be resent');
      const closing = mqtt.close();
      hop.release();
      await closing;
    } finally {
      await tearDown();
    }
    expect(await retained(status)).toBe('offline');
  });

  it('stopping while the broker takes nothing: the connection is dropped, so the broker says `offline` at once (the last will)', async () => {
    const { status, hop, mqtt, live, tearDown } = await setUp('stalled');
    try {
      hop.hold(); // a broker that stalled: not even the `offline` of close() reaches it
      await mqtt.close();
      await until(() => live.texts.at(-1) === 'offline', 'the last will');
    } finally {
      await tearDown();
    }
    expect(await retained(status)).toBe('offline');
  });
});
