/**
 * Mutated outbound ESL sessions interleaved with good calls, on chut's real wiring (startChut) against the fake
 * FreeSWITCH. Between calls, raw loopback connections play FreeSWITCH's part of a recorded session
 * (tests/fixtures/freeswitch/esl-outbound-session*.txt: the connect reply, replies, events) mutated with a seeded PRNG
 * (tests/unit/esl/fuzz-frame.test.ts fuzzes the framing itself), then hang up. Each such call is its own connection, so
 * whatever its bytes do (a protocol error, channel data chut cannot use, a call screened on forged data), it ends with
 * its connection. Checked: the process neither throws nor leaves a rejection unhandled, no session fails with an error
 * or stays open, and every next good call is screened and routed.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { call, freshNumber, recordOf, startHarness, type Harness } from '../fakes/esl/harness.js';
import { processFaults } from '../helpers/process-faults.js';
import { until } from '../helpers/until.js';
import { prng } from '../helpers/prng.js';
import {
  BYTE_MUTATIONS, chunks, hugeValue, int, mutate, pick, replaceName, replaceValue, wrongContentLength, type Rand,
} from '../helpers/mutate.js';
import { transcriptRecords } from '../unit/esl/transcript.js';

const SESSIONS = ['esl-outbound-session.s2c.raw', 'esl-outbound-session-sip.s2c.raw'].map(transcriptRecords);
const MUTATIONS = [
  ...BYTE_MUTATIONS, wrongContentLength, wrongContentLength, hugeValue([20_000, 300_000]),
  replaceName(['Unique-ID', 'Caller-Caller-ID-Number', 'Caller-Destination-Number', 'Content-Type', 'Content-Length', 'Event-Name',
    'Reply-Text', 'variable_chut_feature', 'variable_chut_bound', 'variable_playback_terminators', '__proto__']),
  replaceValue(['', '%', '%E2%8', '%0A%0A', '-ERR', '+OK Deleted: 0', 'spam', 'allow', '10', '*77', '${x}', 'text/event-plain',
    'api/response', 'text/disconnect-notice', 'CHANNEL_HANGUP', 'CHANNEL_EXECUTE_COMPLETE', 'a'.repeat(300)]),
];

/** FreeSWITCH's side of a session: the first frames of a recorded one (the connect reply first, most of the time). */
function garbage(rand: Rand): Buffer {
  const session = pick(rand, SESSIONS);
  const from = rand() < 0.7 ? 0 : int(rand, 0, session.length - 1);
  return mutate(Buffer.concat(session.slice(from, from + int(rand, 1, 8))), rand, MUTATIONS).bytes;
}

/** Plays FreeSWITCH with `bytes` on a new outbound connection: waits for chut's `connect`, writes them as TCP may cut
 * them, hangs up after a moment (or when chut closed first), and resolves once the connection is gone. */
function playGarbage(port: number, bytes: Buffer, rand: Rand): Promise<void> {
  const pieces = chunks(bytes, rand);
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined); // chut may reset a connection it refuses
    socket.once('data', () => {
      for (const piece of pieces) socket.write(piece);
      setTimeout(() => socket.end(), 200).unref();
    });
    socket.once('close', () => resolve());
    setTimeout(() => socket.destroy(), 10_000).unref(); // a bound for a broken run, not a timing the test relies on
  });
}

/** The recorded connect reply (esl-outbound-session: a caller +33162000000 dialling 1000) for a new call: its channel's
 * uuid replaced by `callId`. */
function connectReplyFor(callId: string): Buffer {
  const recorded = (SESSIONS[0] as Buffer[])[0] as Buffer;
  return Buffer.from(recorded.toString('latin1').replaceAll('aad4a0a1-6460-4301-af97-118ec520c3bf', callId), 'latin1');
}

/** Plays FreeSWITCH on a new outbound connection: after chut's `connect`, writes `reply` and `garbage` in one write, or
 * (`split`) `reply`, then `garbage` once chut's `myevents` shows it read the reply; resolves once the connection is gone. */
function playReplyThenGarbage(port: number, reply: Buffer, garbage: Buffer, split: boolean): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    let heard = '';
    let garbageSent = false;
    socket.on('data', (chunk: Buffer) => {
      const first = heard === '';
      heard += chunk.toString('latin1');
      if (first) {
        socket.write(split ? reply : Buffer.concat([reply, garbage]));
        garbageSent = !split;
      } else if (!garbageSent && heard.includes('myevents')) {
        socket.write(garbage);
        garbageSent = true;
      }
    });
    socket.once('close', () => resolve());
    setTimeout(() => socket.destroy(), 10_000).unref(); // a bound for a broken run, not a timing the test relies on
  });
}

let h: Harness;
const logs: string[] = [];
const faults = processFaults();
beforeAll(async () => {
  const logger = createLogger('info', new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } }));
  h = await startHarness({}, {}, { logger });
});
afterAll(async () => {
  await h?.close();
});

const activeCalls = (): number => (h.chut.adapters[0] as unknown as { activeCalls: number }).activeCalls;

describe('ESL: mutated sessions between good calls', () => {
  it('10 rounds of 20 mutated sessions at once: no crash, no session left, and every next call is screened and routed', { timeout: 60_000 }, async () => {
    const blocked = freshNumber();
    await h.chut.store.addListEntry({ list: 'block', entry: { kind: 'number', e164: blocked }, reason: 'test', source: 'test', addedAt: Date.now(), expiresAt: null });
    const good = [
      { over: { callerNumber: blocked, dialled: '1000' }, route: 'reject', record: { action: 'reject', rule: 'blocklist' } },
      { over: { dialled: '2001', behaviour: { kind: 'types-what-it-hears', delayMs: 20 } as const }, route: 'ring', record: { action: 'captcha', captcha: 'passed' } },
      { over: { dialled: '2002' }, route: 'voicemail', record: { action: 'voicemail' } },
      { over: { dialled: '1000' }, route: 'ring', record: { action: 'ring' } },
    ];
    for (let round = 0; round < 10; round++) {
      const seeds = Array.from({ length: 20 }, (_, i) => 0xe51 * 100 + round * 20 + i);
      await Promise.all(seeds.map((seed) => {
        const rand = prng(seed);
        return playGarbage(h.sim.listenPort, garbage(rand), rand);
      }));
      const g = good[round % good.length] as (typeof good)[number];
      const out = await h.sim.placeCall(call(g.over));
      const where = `round ${round} (seeds ${seeds[0]}…${seeds.at(-1)})`;
      expect(out.route, where).toBe(g.route);
      expect(await recordOf(h, out.callId), where).toMatchObject({ ...g.record, route: g.route });
    }
    await until(() => activeCalls() === 0, 'every session over');
    expect(faults).toEqual([]);
    expect(logs.filter((l) => l.includes('ESL session failed'))).toEqual([]);
  });

  it('the warning for a connect reply chut cannot use shows a caller ID\'s invisible characters as escapes', async () => {
    // no Unique-ID: no call to screen; the caller's number, a bidi override first, is all the warning can name
    const reply = 'Content-Type: command/reply\nReply-Text: %2BOK%0A\nCaller-Caller-ID-Number: %E2%80%AE%2B33612345678\n'
      + 'Caller-Destination-Number: 1000\n\n';
    // (the harness's readiness probe, a connection that sends nothing, gets the same warning without a caller)
    const said = (): Array<Record<string, unknown>> => logs.map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => /without usable channel data/.test(String(l.msg)) && String(l.caller).includes('33612345678'));
    await playGarbage(h.sim.listenPort, Buffer.from(reply), prng(1));
    await until(() => said().length > 0, 'the warning');
    const [warning] = said();
    expect(warning).toMatchObject({ level: 40, caller: '\\u202e+33612345678' });
  });

  it('a connect reply and garbage in one read: the call is screened and recorded, as when the garbage comes in a later read', async () => {
    // chut ends the connection on the garbage (a protocol error) and the call rings, either way; the reply read with it
    // used to be dropped, and the call went unrecorded ("outbound ESL connection without usable channel data").
    const garbage = Buffer.from('this is not a header line\n\n');
    for (const split of [false, true]) {
      const callId = randomUUID();
      await playReplyThenGarbage(h.sim.listenPort, connectReplyFor(callId), garbage, split);
      expect(await recordOf(h, callId), split ? 'two reads' : 'one read').toMatchObject({ caller: '+33162000000', dialled: '1000', route: 'ring' });
    }
  });
});
