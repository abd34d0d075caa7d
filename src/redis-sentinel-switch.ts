/**
 * Following Sentinel's `+switch-master` at once. ioredis's failover detector hears the announcement and drops the
 * client's connection (or its attempt in progress), and the client then waited its retry backoff as after a network
 * failure: the first step (50-100 ms) in a switchover, and whatever was left of the Sentinel backoff's wait (up to
 * 1 s) when the master had died, every call ringing unscreened meanwhile. An announced switch is no failure: Sentinel
 * names a master that has just been promoted. So the first reconnect after an announcement does not wait. If it fails,
 * the next ones wait the backoff as usual: a master that is down gets no reconnect storm, and each announcement earns
 * one reconnect at once (Sentinel announces only its own failovers; its clients cannot publish on that channel).
 *
 * This reaches into ioredis (6.0) internals, guarded: if they change, nothing breaks, the reconnect waits again.
 */
import type { Redis } from 'ioredis';

/** What chut touches of ioredis's FailoverDetector: one per connection to a master, subscribed to every Sentinel. */
export interface FailoverDetectorInternals {
  /** Called by the detector when a Sentinel announces `+switch-master` (once per detector). */
  disconnect?: () => void;
  sentinels?: Array<{ client?: Redis }>;
}

interface ClientInternals {
  connector?: { failoverDetector?: FailoverDetectorInternals | null };
  /** The pending reconnect while the client waits out its backoff (status `reconnecting`). */
  reconnectTimeout?: NodeJS.Timeout | null;
}

/** Calls `fn` once with each failover detector ioredis makes for `redis`. The detector is made as the TCP connection
 * to a master opens, before ioredis says `connect`. */
export function onEachFailoverDetector(redis: Redis, fn: (detector: FailoverDetectorInternals) => void): void {
  const seen = new WeakSet<object>();
  redis.on('connect', () => {
    const detector = (redis as unknown as ClientInternals).connector?.failoverDetector;
    if (!detector || seen.has(detector)) return;
    seen.add(detector);
    fn(detector);
  });
}

const switchFollowers = new WeakMap<Redis, SentinelSwitchFollower>();

/** The SentinelSwitchFollower of a Sentinel client (none for a plain URL's). */
export function switchFollowerOf(redis: Redis): SentinelSwitchFollower | undefined {
  return switchFollowers.get(redis);
}

/** What a Sentinel client does when its failover detector hears that the master moved. */
export class SentinelSwitchFollower {
  /** A switch was announced and the reconnect it causes has not started yet: that one does not wait. */
  private announced = false;
  /** Told of each announcement, before the reconnect it causes (the connection log: a switch is no outage). */
  onSwitchAnnounced: (() => void) | null = null;

  constructor(private readonly client: Redis) {
    switchFollowers.set(client, this);
    onEachFailoverDetector(client, (detector) => {
      const disconnect = detector.disconnect;
      if (typeof disconnect !== 'function') return;
      detector.disconnect = () => {
        disconnect.call(detector);
        this.switchAnnounced();
      };
    });
  }

  private switchAnnounced(): void {
    this.onSwitchAnnounced?.();
    const internals = this.client as unknown as ClientInternals;
    if (this.client.status === 'reconnecting' && internals.reconnectTimeout) {
      // the old master was lost before: the client waits out its backoff, asking the Sentinels only once it is over
      clearTimeout(internals.reconnectTimeout);
      internals.reconnectTimeout = null;
      this.client.connect().catch(() => undefined); // its errors are the client's
      return;
    }
    // connected, or connecting: the detector's disconnect ends that, and the reconnect that follows is at once
    this.announced = true;
  }

  /** The wait before the client's reconnect attempt `attempt`: none for the first after an announcement, `backoff`
   * otherwise (always asked: the ReplicaFollower's own at-once reconnect is used up with it). */
  retryDelay(attempt: number, backoff: (attempt: number) => number): number {
    const wait = backoff(attempt);
    if (!this.announced) return wait;
    this.announced = false;
    return 0;
  }
}
