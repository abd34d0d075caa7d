/**
 * A name lookup that never runs twice at once for the same host: a connect that needs a name already being looked
 * up waits for that lookup's answer instead of starting another.
 *
 * Why: `dns.lookup` is getaddrinfo on one of libuv's 4 threadpool threads, and nothing can cancel it. A webhook
 * attempt that times out leaves its lookup running; without this, each retry and each next notification started
 * one more, so a receiver whose DNS hangs filled the threadpool within one notification, and fs, crypto, zlib and
 * the Redis/PBX reconnects' own lookups then waited behind it: one unreachable receiver slowed call screening.
 * Answers are not kept once given (no cache: the next connect asks again, as before).
 */
import dns from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

type Answer = { err: NodeJS.ErrnoException | null; addresses: dns.LookupAddress[] };

export function sharedLookup(lookup: LookupFunction = dns.lookup): LookupFunction {
  /** Host (and lookup options) → the connects waiting for the lookup in flight. */
  const inFlight = new Map<string, Array<(answer: Answer) => void>>();

  return (hostname, options, callback) => {
    const { all, ...rest } = options;
    const reply = ({ err, addresses }: Answer): void => {
      if (err) callback(err, all ? [] : '');
      else if (all) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    };
    const key = `${hostname}\n${JSON.stringify(rest)}`;
    const waiting = inFlight.get(key);
    if (waiting) {
      waiting.push(reply);
      return;
    }
    const waiters = [reply];
    inFlight.set(key, waiters);
    const settle = (answer: Answer): void => {
      inFlight.delete(key);
      for (const waiter of waiters) waiter(answer);
    };
    try {
      // Always every address: each waiter then takes what it asked for (net asks for all with autoSelectFamily).
      lookup(hostname, { ...rest, all: true }, (err, addresses, family) => {
        if (err) return settle({ err, addresses: [] });
        const list = Array.isArray(addresses) ? addresses : [{ address: addresses, family: family ?? (isIP(addresses) || 4) }];
        if (list.length === 0) return settle({ err: Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), addresses: [] });
        settle({ err: null, addresses: list });
      });
    } catch (err) {
      inFlight.delete(key);
      throw err;
    }
  };
}
