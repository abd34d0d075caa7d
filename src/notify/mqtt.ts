/**
 * MQTT notifications (the `mqtt` package), laid out for Home Assistant:
 *   <prefix>/event/<event>   one JSON message per event (QoS 1, not retained)
 *   <prefix>/last_blocked    JSON {caller, callerName, time, rule} of the last rejected call (retained)
 *   <prefix>/status          `online` / `offline` (retained; `offline` is also the last will); with an instance name,
 *                            <prefix>/status/<instance> instead (mqtt-status.ts: several chuts on one prefix)
 *   homeassistant/sensor/<prefix>_last_blocked/config   discovery message, when enabled (retained)
 * An `offline` another client writes on this chut's status topic while it runs (a chut sharing the topic, or this
 * chut's previous connection's late last will) is answered with `online` again: it is running.
 * mqtt.js reconnects by itself; publishes never throw and never wait: failures are logged. The number of
 * publishes awaiting the broker is bounded so a long broker outage cannot grow memory without end.
 */
import { randomBytes } from 'node:crypto';
import { connect, type MqttClient } from 'mqtt';
import type { Logger } from '../logger.js';
import { splitUrlCredentials } from '../url-credentials.js';
import { homeAssistantDiscovery, lastBlockedObjectId, type LastBlockedPayload, type NotificationPayload } from './events.js';
import { instanceOfTopic, InstanceSet, statusSubscription, statusTopic as statusTopicOf } from './mqtt-status.js';

export interface MqttOptions {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  topicPrefix: string;
  /** This chut's name among those sharing topicPrefix (mqtt-status.ts); null: `<prefix>/status`, shared. */
  instance?: string | null | undefined;
  homeAssistantDiscovery: boolean;
  logger: Logger;
  /** Publishes awaiting the broker at most; newer ones are dropped (and logged) beyond this. */
  maxPending?: number;
  /** Delay between reconnection attempts. */
  reconnectPeriodMs?: number;
}

export interface MqttNotifier {
  publishEvent(payload: NotificationPayload): void;
  publishLastBlocked(payload: LastBlockedPayload): void;
  /** Publishes `offline`, then disconnects (forcefully if the broker does not answer within a few seconds: it then
   * publishes the last will, `offline`). */
  close(): Promise<void>;
}

/** Where the discovery message goes: one sensor per topic prefix (`chut_last_blocked` by default). */
export function discoveryTopic(topicPrefix: string): string {
  return `homeassistant/sensor/${lastBlockedObjectId(topicPrefix)}/config`;
}
const DEFAULT_MAX_PENDING = 1000;
const CLOSE_GRACE_MS = 2000;

/** `mqtt://host:port` without credentials, for logs. */
function brokerLabel(rawUrl: string): string {
  try {
    const u = new URL(rawUrl);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(unparsable url)';
  }
}

function withTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    promise.then(() => resolve(true), () => resolve(false)).finally(() => clearTimeout(timer));
  });
}

/** Logs the connection's ups and downs (each distinct error once: reconnect loops repeat them). */
function watchConnection(client: MqttClient, log: Logger, closed: () => boolean, onConnect: () => void): void {
  let lastError = '';
  client.on('connect', () => {
    lastError = '';
    log.info('mqtt connected');
    onConnect();
  });
  client.on('error', (err) => {
    if (err.message !== lastError) log.warn({ err: err.message }, 'mqtt error (mqtt.js will reconnect)');
    lastError = err.message;
  });
  client.on('offline', () => {
    if (!closed()) log.warn('mqtt broker unreachable, notifications are held until it is back');
  });
}

export function createMqttNotifier(opts: MqttOptions): MqttNotifier {
  const prefix = opts.topicPrefix;
  const instance = opts.instance ?? null;
  const statusTopic = statusTopicOf(prefix, instance);
  const instances = instance === null ? null : new InstanceSet(instance);
  const log = opts.logger.child({ notifier: 'mqtt', broker: brokerLabel(opts.url) });
  const maxPending = opts.maxPending ?? DEFAULT_MAX_PENDING;
  let pending = 0;
  let dropped = 0;
  let closed = false;
  /** close() has begun: this chut's own `offline` is on its way, and must not be answered. */
  let closing = false;

  // mqtt.js splits a URL's user info at its last `:` (`chut:pa:ss` → user `chut:pa`): the URL's credentials are read
  // here, by the URL standard, and given apart. They take precedence over username/password, as in mqtt.js.
  const fromUrl = splitUrlCredentials(opts.url);
  const client: MqttClient = connect(fromUrl.url, {
    clientId: `chut-${randomBytes(6).toString('hex')}`,
    username: fromUrl.username ?? opts.username,
    password: fromUrl.password ?? opts.password,
    reconnectPeriod: opts.reconnectPeriodMs ?? 5000,
    connectTimeout: 10_000,
    // subscribed again on each connection below (mqtt.js would repeat the subscription on its own as well)
    resubscribe: false,
    will: { topic: statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
  });

  /** A retained topic's latest value that found the backlog full: kept aside (newest wins) and sent once there is
   * room, so `last_blocked` ends at the last rejected call after an outage, not at the last one that fitted. */
  const heldRetained = new Map<string, string>();

  function publish(topic: string, body: string, retain: boolean): void {
    if (closed) return;
    // once close() has begun, its `offline` is the last status: an `online` sent after it (held back by a full backlog,
    // or a reconnection's) would stay retained, chut shown running while it is stopped
    if (closing && topic === statusTopic) return;
    if (pending >= maxPending) {
      if (retain) {
        heldRetained.set(topic, body);
        return;
      }
      dropped++;
      if (dropped % 100 === 1) log.warn({ dropped, maxPending, topic }, 'mqtt backlog full, dropping notification');
      return;
    }
    pending++;
    try {
      client.publish(topic, body, { qos: 1, retain }, (err) => {
        pending--;
        if (err && !closed) log.warn({ topic, err: err.message }, 'mqtt publish failed');
        const next = heldRetained.entries().next();
        if (!next.done) {
          heldRetained.delete(next.value[0]);
          publish(next.value[0], next.value[1], true);
        }
      });
    } catch (err) {
      pending--;
      log.warn({ topic, err: (err as Error).message }, 'mqtt publish failed');
    }
  }

  function publishDiscovery(): void {
    if (!opts.homeAssistantDiscovery) return;
    publish(discoveryTopic(prefix), JSON.stringify(homeAssistantDiscovery(prefix, instances?.topics(prefix))), true);
  }

  let fullWarned = false;
  let subscribeWarned = false;
  client.on('message', (topic, payload, packet) => {
    if (closing) return;
    const text = payload.toString('utf8');
    // a retained message is history (this chut's own last will from before it restarted): only a live one was written
    // over this chut's `online` while it runs
    if (topic === statusTopic && text === 'offline' && !packet.retain) {
      log.warn({ topic }, instance === null
        ? 'another MQTT client set this chut offline while it runs (a chut sharing topicPrefix, or this one\'s previous last will): set back to online; give each chut sharing a topicPrefix its own notifications.mqtt.instance'
        : 'another MQTT client set this chut offline while it runs (a chut with the same notifications.mqtt.instance, or this one\'s previous last will): set back to online');
      publish(statusTopic, 'online', true);
    }
    const name = instances ? instanceOfTopic(prefix, topic) : null;
    if (!instances || name === null) return;
    const seen = instances.see(name, text);
    if (seen === 'changed') publishDiscovery();
    if (seen === 'full' && !fullWarned) {
      fullWarned = true;
      log.warn({ topic }, 'too many chut instances on this topicPrefix: the Home Assistant discovery leaves this one out');
    }
  });

  watchConnection(client, log, () => closed, () => {
    publish(statusTopic, 'online', true);
    publishDiscovery();
    const subscription = statusSubscription(prefix, instance);
    client.subscribe(subscription, { qos: 1 }, (err, granted) => {
      // a broker ACL may allow publishing only: everything else still works (said once, not at every reconnection)
      if (!closing && !subscribeWarned && (err || granted?.some((g) => g.qos === 128))) {
        subscribeWarned = true;
        log.warn({ topic: subscription, err: err?.message }, 'mqtt subscription refused: an offline written over this chut\'s status is not answered, and the discovery lists no other instance');
      }
    });
  });

  return {
    publishEvent(payload) {
      publish(`${prefix}/event/${payload.event}`, JSON.stringify(payload), false);
    },
    publishLastBlocked(payload) {
      publish(`${prefix}/last_blocked`, JSON.stringify(payload), true);
    },
    async close() {
      if (closed) return;
      closing = true;
      heldRetained.delete(statusTopic); // superseded by the `offline` below, not undelivered
      // A clean disconnect does not fire the last will: say `offline` ourselves.
      const saidOffline = client.connected
        && await withTimeout(client.publishAsync(statusTopic, 'offline', { qos: 1, retain: true }), CLOSE_GRACE_MS);
      closed = true;
      // A broker that did not take it (gone, or stalled) gets no DISCONNECT, so it publishes the last will (`offline`);
      // a polite end would wait for the held publishes, forever without a broker.
      const ended = await withTimeout(client.endAsync(!saidOffline), CLOSE_GRACE_MS);
      // mqtt.js ignores a second end() while the first waits for acknowledgements, and the open connection would keep
      // chut's process alive: drop it
      if (!ended) client.stream.destroy();
      // what the broker never acknowledged is lost with the process: say how much (closed silences each one's error)
      const undelivered = pending + heldRetained.size;
      if (undelivered > 0) log.warn({ undelivered }, 'mqtt closed with undelivered notifications');
    },
  };
}
