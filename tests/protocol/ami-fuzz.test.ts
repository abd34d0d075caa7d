/**
 * Mutated AMI packets interleaved with good calls, on chut's real wiring (startChut) against the AMI fake: between
 * calls the fake writes recorded Asterisk packets (tests/fixtures/asterisk/*.rx.raw), mutated with a seeded PRNG
 * (tests/unit/ami/fuzz-packet-reader.test.ts fuzzes the reader itself), each batch ended by a blank line, AMI's packet
 * end. Two batches break the reader's bounds (a line over 64 KiB, a packet over 1,000 lines): chut drops the connection
 * and logs in again. Whatever comes, the process neither throws nor leaves a rejection unhandled, and the next call
 * is screened and routed as its caller deserves.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmiProtocolError, MAX_PACKET_LINES, PacketReader } from '../../src/ami/packet-reader.js';
import { eventually, header, recordOf, startAmiHarness, type AmiHarness } from '../fakes/ami/index.js';
import { CALLS_BY_NAME } from '../helpers/policy.js';
import { processFaults } from '../helpers/process-faults.js';
import { prng } from '../helpers/prng.js';
import { BYTE_MUTATIONS, hugeValue, int, mutate, pick, repeatLine, replaceName, replaceValue, type Rand } from '../helpers/mutate.js';

const DIR = new URL('../fixtures/asterisk/', import.meta.url);
const BANNER = 'Asterisk Call Manager/11.0.0\r\n';
const RECORDED = readdirSync(DIR).filter((f) => f.endsWith('.rx.raw'))
  .map((name) => readFileSync(new URL(name, DIR), 'latin1').slice(BANNER.length).split('\r\n\r\n').slice(0, -1).map((p) => `${p}\r\n\r\n`));

const MUTATIONS = [
  ...BYTE_MUTATIONS,
  replaceValue(['', 'ChutQuery', 'ChutCaptcha', 'ChutRouted', 'ChutReport', 'Hangup', 'Stasis', '__proto__', '../../etc', '1.1', '!!!']),
  replaceName(['Event', 'UserEvent', 'Uniqueid', 'Channel', 'ChutCaller', 'ChutOutcome', 'ChutRoute', 'Variable', '__proto__', 'ActionID']),
];
/** Rounds whose garbage breaks the reader's bounds: chut reconnects. */
const BREAKING = new Map([[3, hugeValue([70_000])], [9, repeatLine([1200])]]);

/** 1 to 6 consecutive recorded packets, mutated, ended by a blank line (AMI's packet end): the text the fake writes. */
function garbage(rand: Rand, round: number): string {
  const stream = pick(rand, RECORDED);
  const from = int(rand, 0, stream.length - 1);
  const packets = Buffer.from(stream.slice(from, from + int(rand, 1, 6)).join(''), 'latin1');
  const breaking = BREAKING.get(round);
  const bytes = mutate(packets, rand, breaking ? [breaking] : MUTATIONS, breaking ? 1 : 3).bytes;
  return `${bytes.toString('utf8')}\r\n\r\n`;
}

/** How many event packets chut reads from `text`, or null when it refuses it (the connection ends). */
function eventPackets(text: string): number | null {
  try {
    return new PacketReader().push(text).filter((p) => p.event !== undefined).length;
  } catch (err) {
    if (err instanceof AmiProtocolError) return null;
    throw err;
  }
}

let h: AmiHarness;
const faults = processFaults();
beforeAll(async () => {
  h = await startAmiHarness({ label: 'ami-fuzz' });
});
afterAll(async () => {
  await h?.stop();
});

describe('AMI: mutated recorded packets between good calls', () => {
  it('12 rounds of 20 garbage batches, two rounds past the bounds: no crash, and every next call is screened and routed', { timeout: 60_000 }, async () => {
    let n = 0;
    for (let round = 0; round < 12; round++) {
      const where = `round ${round} (seeds ${0xa310 + round * 20}…)`;
      const logins = h.sim.server.loginCount;
      const read = h.adapter.stats().packets;
      let events: number | null = 0;
      for (let batch = 0; batch < (BREAKING.has(round) ? 1 : 20); batch++) {
        const text = garbage(prng(0xa310 + round * 20 + batch), round);
        const more = eventPackets(text);
        events = events === null || more === null ? null : events + more;
        h.sim.server.writeRaw(text);
      }
      if (events === null) {
        expect(BREAKING.has(round), `${where}: refused`).toBe(true);
        await eventually(() => h.adapter.status().state === 'ready' && h.sim.server.loginCount > logins, 15_000, `${where}: a new login`);
      } else {
        expect(BREAKING.has(round), `${where}: read`).toBe(false);
        // the garbage is read before the call's own events come (one connection, in order); waiting for it makes the
        // call come after it on any machine
        const all = events;
        await eventually(() => h.adapter.stats().packets >= read + all, 5000, `${where}: the garbage read`);
      }
      const good = CALLS_BY_NAME[round % CALLS_BY_NAME.length] as (typeof CALLS_BY_NAME)[number];
      const out = await h.sim.placeCall({
        callerNumber: `+3361277${String(++n).padStart(4, '0')}`, callerName: good.name, dialled: '0100000000', behaviour: good.behaviour,
      });
      expect(out.route, where).toBe(good.route);
      expect(await recordOf(h, out.callId), where).toMatchObject({ action: good.action, route: good.route });
    }
    expect(faults).toEqual([]);
    expect(h.logs.filter((l) => l.includes('packet handling failed'))).toEqual([]);
    expect(h.adapter.status().state).toBe('ready');
  });

  it('a ChutQuery read with a packet past the bounds: the call is screened and recorded before the connection ends', { timeout: 30_000 }, async () => {
    // Written right after the ChutQuery, in the same tick: chut reads both in one read (64 KiB at most: too short for a
    // line past MAX_LINE_CHARS after the query, long enough for a packet past MAX_PACKET_LINES).
    const breaking = `Event: VarSet\r\n${'Variable: X\r\n'.repeat(MAX_PACKET_LINES)}\r\n`;
    const server = h.sim.server;
    const hook = server.eventHook;
    server.eventHook = (event, deliver) => {
      if (hook) hook(event, deliver);
      else deliver();
      if (header(event, 'UserEvent') === 'ChutQuery') server.writeRaw(breaking);
    };
    const logins = server.loginCount;
    try {
      const out = await h.sim.placeCall({ callerNumber: '+33612779999', callerName: 'REJECT robot', dialled: '0100000000', behaviour: { kind: 'silent' } });
      // the connection ended before chut could set the decision: the dialplan rang after its wait (fail-open)
      expect(out.route).toBe('ring');
      expect(await recordOf(h, out.callId)).toMatchObject({ caller: '+33612779999', action: 'reject', route: 'ring' });
    } finally {
      server.eventHook = hook;
    }
    await eventually(() => h.adapter.status().state === 'ready' && server.loginCount > logins, 15_000, 'a new login');
  });
});
