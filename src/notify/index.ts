/**
 * Notifications: turns what the screener observes into webhook POSTs and MQTT messages, on the events the
 * user chose. Observer methods only enqueue and return: a slow or dead receiver never delays a call, and
 * nothing here throws into the screener.
 */
import type { Config, NotificationEvent } from '../config.js';
import type { Logger } from '../logger.js';
import type { CallRecord } from '../reputation/types.js';
import type { ScreeningObserver } from '../screening/types.js';
import {
  autoBlockPayload, lastBlockedPayload, recordEvents, recordPayload, selectEvents, type NotificationPayload,
} from './events.js';
import { createMqttNotifier, type MqttNotifier } from './mqtt.js';
import { createWebhookNotifier, type WebhookNotifier } from './webhook.js';

export type { NotificationPayload, LastBlockedPayload } from './events.js';

export interface Notifiers {
  observer: ScreeningObserver;
  close(): Promise<void>;
}

interface Channel {
  wants: readonly NotificationEvent[];
  send(payload: NotificationPayload): void;
}

/** Notifications are optional: a channel that cannot start (e.g. an unusable URL) is logged and left off,
 * and call screening goes on. The message never echoes the URL, which may carry credentials. */
function orNull<T>(what: string, url: string, log: Logger, make: () => T): T | null {
  try {
    return make();
  } catch (err) {
    const message = String((err as Error).message ?? err);
    log.error({ err: url ? message.split(url).join('[url]') : message }, `${what} notifications disabled: cannot start`);
    return null;
  }
}

function channels(config: Readonly<Config>, log: Logger): { list: Channel[]; webhook: WebhookNotifier | null; mqtt: MqttNotifier | null } {
  const { webhook: wh, mqtt: mq } = config.notifications;
  const webhook = wh
    ? orNull('webhook', wh.url, log, () => createWebhookNotifier({ url: wh.url, timeoutMs: wh.timeoutMs, retries: wh.retries, logger: log }))
    : null;
  const mqtt = mq
    ? orNull('MQTT', mq.url, log, () => createMqttNotifier({
      url: mq.url, username: mq.username, password: mq.password, topicPrefix: mq.topicPrefix, instance: mq.instance,
      homeAssistantDiscovery: mq.homeAssistantDiscovery, logger: log,
    }))
    : null;
  const list: Channel[] = [];
  if (webhook && wh) list.push({ wants: wh.events, send: (p) => webhook.send(p) });
  if (mqtt && mq) list.push({ wants: mq.events, send: (p) => mqtt.publishEvent(p) });
  return { list, webhook, mqtt };
}

export function createNotifiers(config: Readonly<Config>, logger: Logger): Notifiers {
  const log = logger.child({ component: 'notify' });
  const { list, webhook, mqtt } = channels(config, log);

  function dispatch(events: NotificationEvent[], payloadFor: (e: NotificationEvent) => NotificationPayload): void {
    for (const channel of list) {
      for (const event of selectEvents(events, channel.wants)) channel.send(payloadFor(event));
    }
  }

  function guard<A extends unknown[]>(what: string, fn: (...args: A) => void): (...args: A) => void {
    return (...args) => {
      try {
        fn(...args);
      } catch (err) {
        // A notification bug must never reach call handling.
        log.error({ err }, `notification failed (${what})`);
      }
    };
  }

  const observer: ScreeningObserver = list.length === 0 ? {} : {
    onCallRecord: guard('call record', (record: CallRecord) => {
      const events = recordEvents(record);
      if (events.length === 0) return;
      dispatch(events, (e) => recordPayload(e, record));
      // The Home Assistant "last blocked caller" state follows every rejected call.
      if (mqtt && record.route === 'reject') mqtt.publishLastBlocked(lastBlockedPayload(recordPayload('call-rejected', record)));
    }),
    onAutoBlock: guard('auto-block', (e164: string, score: number) => {
      const payload = autoBlockPayload(e164, score, Date.now());
      dispatch(['number-auto-blocked'], () => payload);
    }),
  };

  return {
    observer,
    async close() {
      await Promise.allSettled([webhook?.close(), mqtt?.close()]);
    },
  };
}
