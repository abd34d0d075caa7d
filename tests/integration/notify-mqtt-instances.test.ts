/**
 * Several chut instances on one MQTT topic prefix (a primary and a standby, one per PBX), against the real Mosquitto
 * on 127.0.0.1:1883: the Home Assistant sensor stays available while any of them runs, when one stops and when one
 * dies (its last will). Home Assistant is played by a subscriber that reads the discovery message and computes the
 * sensor's availability from it as HA does (availability_topic, or an availability list with its mode).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import { createLogger } from '../../src/logger.js';
import { createMqttNotifier, discoveryTopic, type MqttNotifier } from '../../src/notify/mqtt.js';
import { startMqttHop } from '../helpers/mqtt-hop.js';
import { until } from '../helpers/until.js';

const BROKER = 'mqtt://127.0.0.1:1883';
const run = `chuttest/${randomBytes(4).toString('hex')}`;
/** Retained topics the tests left behind, cleared at the end. */
const retainedTopics = new Set<string>();

function capture(): { lines: string[]; logger: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  return { lines, logger: createLogger('debug', { write: (s: string) => { lines.push(s); } }) };
}

interface Availability { topic: string; payload_available?: string; payload_not_available?: string }

/** Home Assistant, as far as one sensor's availability goes: `available` is recomputed on every message. */
class HomeAssistant {
  /** The sensor's discovery config (the latest retained one). */
  config: Record<string, unknown> | null = null;
  /** Every message on the prefix, in order. */
  readonly log: Array<{ topic: string; text: string }> = [];
  /** `available` after each message once the sensor exists. */
  readonly history: boolean[] = [];
  private constructor(private readonly prefix: string, readonly client: MqttClient) {}

  static async watch(prefix: string): Promise<HomeAssistant> {
    const client = await connectAsync(BROKER, { reconnectPeriod: 0 });
    const ha = new HomeAssistant(prefix, client);
    client.on('message', (topic, payload) => ha.receive(topic, payload.toString('utf8')));
    await client.subscribeAsync([`${prefix}/#`, discoveryTopic(prefix)], { qos: 1 });
    return ha;
  }

  private receive(topic: string, text: string): void {
    retainedTopics.add(topic);
    if (topic === discoveryTopic(this.prefix)) this.config = text ? JSON.parse(text) as Record<string, unknown> : null;
    else this.log.push({ topic, text });
    if (this.config) this.history.push(this.available());
  }

  /** The availability topics of the sensor, and how they combine (HA's default mode is `latest`). */
  availability(): { list: Availability[]; mode: string } {
    const c = this.config ?? {};
    if (typeof c.availability_topic === 'string') {
      return { list: [{ topic: c.availability_topic, payload_available: c.payload_available as string, payload_not_available: c.payload_not_available as string }], mode: 'latest' };
    }
    return { list: (c.availability as Availability[] | undefined) ?? [], mode: (c.availability_mode as string | undefined) ?? 'latest' };
  }

  available(): boolean {
    const { list, mode } = this.availability();
    const says = (a: Availability, text: string | undefined): boolean | null =>
      text === (a.payload_available ?? 'online') ? true : text === (a.payload_not_available ?? 'offline') ? false : null;
    const lastOn = (topic: string) => this.log.filter((m) => m.topic === topic).at(-1)?.text;
    if (mode === 'latest') {
      const last = this.log.filter((m) => list.some((a) => a.topic === m.topic)).reverse().find((m) => says(list.find((a) => a.topic === m.topic)!, m.text) !== null);
      return last ? says(list.find((a) => a.topic === last.topic)!, last.text) === true : false;
    }
    const each = list.map((a) => says(a, lastOn(a.topic)) === true);
    return mode === 'any' ? each.some(Boolean) : each.every(Boolean);
  }

  /** The `online` messages on any status topic so far: each instance says it once it is connected. */
  onlines(): number {
    return this.log.filter((m) => m.topic.startsWith(`${this.prefix}/status`) && m.text === 'online').length;
  }
}

function notifier(topicPrefix: string, instance: string | null, url = BROKER, logger = capture().logger): MqttNotifier {
  return createMqttNotifier({ url, topicPrefix, instance, homeAssistantDiscovery: true, logger, reconnectPeriodMs: 200 });
}

afterAll(async () => {
  // Retained messages outlive the test: clear them (an empty retained payload deletes one).
  const c = await connectAsync(BROKER, { reconnectPeriod: 0 });
  for (const t of retainedTopics) await c.publishAsync(t, '', { retain: true, qos: 1 });
  await c.endAsync();
});

describe('several chut instances on one topic prefix (real Mosquitto)', () => {
  it('with instance names: one stops, the sensor stays available (never flickers); the last one stops, it goes unavailable', async () => {
    const prefix = `${run}/named`;
    const ha = await HomeAssistant.watch(prefix);
    const a = notifier(prefix, 'pbx1');
    const b = notifier(prefix, 'pbx2');
    try {
      await until(() => ha.onlines() >= 2 && ha.available(), 'both instances online and the sensor available');
      await until(() => ha.availability().list.length === 2, 'the discovery to list both instances');
      expect(ha.availability()).toEqual({
        mode: 'any',
        list: [`${prefix}/status/pbx1`, `${prefix}/status/pbx2`].map((topic) => ({ topic, payload_available: 'online', payload_not_available: 'offline' })),
      });
      const from = ha.history.length;
      await a.close();
      await until(() => ha.log.some((m) => m.text === 'offline'), 'the stopped instance\'s offline');
      expect(ha.log.filter((m) => m.text === 'offline').map((m) => m.topic)).toEqual([`${prefix}/status/pbx1`]);
      expect(ha.available()).toBe(true);
      expect(ha.history.slice(from)).not.toContain(false);
      await b.close();
      await until(() => !ha.available(), 'the sensor to go unavailable with no instance left');
    } finally {
      await Promise.all([a.close(), b.close()]);
      await ha.client.endAsync();
    }
  });

  it('with instance names: one dies (last will), the sensor stays available', async () => {
    const prefix = `${run}/died`;
    const ha = await HomeAssistant.watch(prefix);
    const hop = await startMqttHop(BROKER);
    const a = notifier(prefix, 'primary', hop.url);
    const b = notifier(prefix, 'standby');
    try {
      await until(() => ha.onlines() >= 2 && ha.availability().list.length === 2 && ha.available(), 'both instances online and listed');
      const from = ha.history.length;
      await hop.cut();
      await until(() => ha.log.some((m) => m.text === 'offline'), 'the dead instance\'s last will');
      expect(ha.log.filter((m) => m.text === 'offline').map((m) => m.topic)).toEqual([`${prefix}/status/primary`]);
      expect(ha.available()).toBe(true);
      expect(ha.history.slice(from)).not.toContain(false);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await ha.client.endAsync();
    }
  });

  it('without instance names (the default): the status one writes offline on stopping is set back to online by the other, which says how to avoid it', async () => {
    const prefix = `${run}/shared`;
    const ha = await HomeAssistant.watch(prefix);
    const a = notifier(prefix, null);
    const bLog = capture();
    const b = notifier(prefix, null, BROKER, bLog.logger);
    try {
      await until(() => ha.onlines() >= 2 && ha.available(), 'both instances online and the sensor available');
      // a single status topic, as before instance names: a chut configured by hand keeps working
      expect(ha.availability()).toMatchObject({ mode: 'latest', list: [{ topic: `${prefix}/status` }] });
      await a.close();
      await until(() => ha.log.some((m) => m.text === 'offline'), 'the stopped instance\'s offline');
      const offlineAt = ha.log.findIndex((m) => m.text === 'offline');
      await until(() => ha.log.slice(offlineAt).some((m) => m.text === 'online'), 'the running instance to say online again');
      expect(ha.available()).toBe(true);
      expect(bLog.lines.join('')).toContain('give each chut sharing a topicPrefix its own notifications.mqtt.instance');
      // and when the last one stops, it stays offline
      await b.close();
      await until(() => !ha.available(), 'the sensor to go unavailable with no instance left');
      expect(ha.log.at(-1)).toEqual({ topic: `${prefix}/status`, text: 'offline' });
    } finally {
      await Promise.all([a.close(), b.close()]);
      await ha.client.endAsync();
    }
  });

  it('a single chut restarted while its previous connection\'s last will was still pending stays online', async () => {
    // the previous run's will fires after the new run said online (a host that froze, a cut the broker saw late)
    const prefix = `${run}/restart`;
    const ha = await HomeAssistant.watch(prefix);
    const hop = await startMqttHop(BROKER);
    const now = notifier(prefix, null);
    try {
      await until(() => ha.onlines() >= 1 && ha.available(), 'the new run online');
      const previous = await connectAsync(hop.url, { reconnectPeriod: 0, will: { topic: `${prefix}/status`, payload: Buffer.from('offline'), qos: 1, retain: true } });
      previous.on('error', () => undefined);
      await hop.cut();
      await until(() => ha.log.some((m) => m.text === 'offline'), 'the previous run\'s last will');
      const offlineAt = ha.log.findIndex((m) => m.text === 'offline');
      await until(() => ha.log.slice(offlineAt).some((m) => m.text === 'online'), 'the running chut to say online again');
      expect(ha.available()).toBe(true);
      previous.end(true);
    } finally {
      await now.close();
      await ha.client.endAsync();
    }
  });
});
