/**
 * The warning for connections refused by `esl.allowFrom`: each address at once, then at most once per `everyMs` (a
 * FreeSWITCH left out of the list connects once per call). Only `maxAddresses` are tracked: a flood from ever new
 * addresses (an IPv6 /64 has plenty) shares one more throttled line, so neither memory nor the log grows with it.
 */
import type { Logger } from '../logger.js';
import { countedGrouped } from '../plural.js';
import { throttledWarning } from '../throttled-warning.js';

const FIX = 'add it to esl.allowFrom if it is FreeSWITCH (its calls ring unscreened meanwhile)';

export class RefusedPeerWarnings {
  private readonly byAddress = new Map<string, () => void>();
  private readonly lastRefusedAt = new Map<string, number>();
  private readonly others: () => void;

  constructor(
    private readonly logger: Logger,
    private readonly everyMs = 5 * 60_000,
    private readonly maxAddresses = 100,
    // monotonic, as throttledWarning's own clock
    private readonly now: () => number = () => performance.now(),
  ) {
    this.others = throttledWarning(logger, everyMs, (times) => `ESL connection refused ${countedGrouped(times, 'time')} from addresses not in ` +
      `esl.allowFrom, too many to name each: ${FIX}`, now);
  }

  /** A connection from `address` was refused. */
  note(address: string): void {
    let warn = this.byAddress.get(address);
    if (!warn) {
      if (this.byAddress.size >= this.maxAddresses && !this.forgetOldest()) return this.others();
      warn = throttledWarning(this.logger.child({ peer: address }), this.everyMs,
        (times) => `ESL connection from ${address} refused${times > 1 ? ` (${countedGrouped(times, 'time')})` : ''}: that address is not in esl.allowFrom; ${FIX}`, this.now);
      this.byAddress.set(address, warn);
    }
    // re-inserted, so that the map's first entry is the address refused longest ago
    this.lastRefusedAt.delete(address);
    this.lastRefusedAt.set(address, this.now());
    warn();
  }

  /** Drops the address refused longest ago, when its throttle window is over (it would be warned about again anyway). */
  private forgetOldest(): boolean {
    const oldest = this.lastRefusedAt.entries().next().value;
    if (!oldest || this.now() - oldest[1] < this.everyMs) return false;
    this.byAddress.delete(oldest[0]);
    this.lastRefusedAt.delete(oldest[0]);
    return true;
  }
}
