/**
 * Where a chut says it is online, when several share a topic prefix. Pure: no I/O.
 *
 * Without an instance name a chut uses `<prefix>/status`, as every chut did before instance names: instances that
 * share the prefix share that topic, and the first to stop (or die: its last will) writes `offline` over the others'
 * `online`. A chut with `instance: <name>` uses `<prefix>/status/<name>` instead, and the Home Assistant discovery lists
 * every instance's topic with `availability_mode: any`: the sensor stays available while any of them runs. MQTT gives a
 * connection one last will only, so a chut cannot keep both topics up to date: the instance name chooses.
 */

/** An instance name: it is one level of a topic, so no `/` and no wildcard (`+`, `#`). */
export const INSTANCE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Instances a discovery message lists at most: names are read from the broker, which anyone with access may write. */
export const MAX_INSTANCES = 32;

/** The topic this chut publishes `online` / `offline` on (retained; `offline` is also its last will). */
export function statusTopic(topicPrefix: string, instance: string | null): string {
  return instance === null ? `${topicPrefix}/status` : `${topicPrefix}/status/${instance}`;
}

/** What this chut listens to: its own status topic (to answer an `offline` written over it while it runs), and with
 * an instance name every instance's, to list them in the discovery message. */
export function statusSubscription(topicPrefix: string, instance: string | null): string {
  return instance === null ? `${topicPrefix}/status` : `${topicPrefix}/status/+`;
}

/** The instance a `<prefix>/status/<name>` topic is for; null for any other topic, or a name chut would not take. */
export function instanceOfTopic(topicPrefix: string, topic: string): string | null {
  const head = `${topicPrefix}/status/`;
  if (!topic.startsWith(head)) return null;
  const name = topic.slice(head.length);
  return INSTANCE_NAME.test(name) ? name : null;
}

/**
 * The instances seen on the broker (their retained status, whatever it says), this chut's own first. Sorted, so that
 * every instance publishes the same discovery message and none undoes another's. An empty retained message (how MQTT
 * deletes one) forgets an instance: that is how an instance gone for good is taken off the list.
 */
export class InstanceSet {
  private readonly names = new Set<string>();

  constructor(private readonly own: string) {
    this.names.add(own);
  }

  /** Takes a status message: `changed` when the list changed (the discovery message is then published again), `full`
   * when a new name was left out (MAX_INSTANCES), else `same`. */
  see(name: string, payload: string): 'changed' | 'full' | 'same' {
    if (payload === '') return name !== this.own && this.names.delete(name) ? 'changed' : 'same';
    if (this.names.has(name)) return 'same';
    if (this.names.size >= MAX_INSTANCES) return 'full';
    this.names.add(name);
    return 'changed';
  }

  topics(topicPrefix: string): string[] {
    return [...this.names].sort().map((name) => statusTopic(topicPrefix, name));
  }
}
