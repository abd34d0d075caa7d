import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { describe, expect, it } from 'vitest';
import { sharedLookup } from '../../../src/notify/shared-lookup.js';

/** A lookup the test answers by hand; it records what it was asked. */
function manualLookup() {
  const calls: Array<{ hostname: string; options: object; reply: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void }> = [];
  const lookup: LookupFunction = (hostname, options, callback) => {
    calls.push({ hostname, options, reply: (err, addresses) => callback(err, addresses) });
  };
  return { lookup, calls };
}

type Result = { err: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number };

function ask(lookup: LookupFunction, hostname: string, options: Parameters<LookupFunction>[1]): Result[] {
  const results: Result[] = [];
  lookup(hostname, options, (err, address, family) => results.push({ err, address, family }));
  return results;
}

describe('sharedLookup', () => {
  it('asks once per host while a lookup is in flight, and gives each caller the shape it asked for', () => {
    const inner = manualLookup();
    const lookup = sharedLookup(inner.lookup);
    const all = ask(lookup, 'hook.test', { all: true });
    const one = ask(lookup, 'hook.test', {});
    const other = ask(lookup, 'other.test', { all: true });
    expect(inner.calls.map((c) => c.hostname)).toEqual(['hook.test', 'other.test']);
    expect(inner.calls[0]!.options).toEqual({ all: true });

    inner.calls[0]!.reply(null, [{ address: '2001:db8::1', family: 6 }, { address: '192.0.2.1', family: 4 }]);
    expect(all).toEqual([{ err: null, address: [{ address: '2001:db8::1', family: 6 }, { address: '192.0.2.1', family: 4 }], family: undefined }]);
    expect(one).toEqual([{ err: null, address: '2001:db8::1', family: 6 }]);
    expect(other).toEqual([]);
  });

  it('gives a failure to every caller waiting, then asks again (nothing is kept)', () => {
    const inner = manualLookup();
    const lookup = sharedLookup(inner.lookup);
    const first = ask(lookup, 'hook.test', { all: true });
    const second = ask(lookup, 'hook.test', { all: true });
    const failure = Object.assign(new Error('getaddrinfo EAI_AGAIN hook.test'), { code: 'EAI_AGAIN' });
    inner.calls[0]!.reply(failure, []);
    expect(first[0]!.err).toBe(failure);
    expect(second[0]!.err).toBe(failure);

    ask(lookup, 'hook.test', { all: true });
    expect(inner.calls).toHaveLength(2);
  });

  it('keeps lookups for different address families apart', () => {
    const inner = manualLookup();
    const lookup = sharedLookup(inner.lookup);
    ask(lookup, 'hook.test', { family: 4 });
    ask(lookup, 'hook.test', { family: 6 });
    expect(inner.calls.map((c) => c.options)).toEqual([{ family: 4, all: true }, { family: 6, all: true }]);
  });
});
