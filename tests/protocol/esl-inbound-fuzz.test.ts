/**
 * Mutated inbound event-socket traffic between good calls, on chut's real wiring (startChut) against the fake
 * FreeSWITCH, with chut's monitor logged in (esl.inbound): between calls the fake writes on the monitor's connection
 * (writeInbound) frames of the recorded inbound streams (tests/fixtures/freeswitch/esl-inbound-*.txt: plain and json
 * events, replies, disconnect notices, a HEARTBEAT) mutated with a seeded PRNG and cut as TCP may cut them, while its
 * HEARTBEAT goes on every 250 ms. tests/unit/esl/monitor-login-fuzz.test.ts fuzzes the login, fuzz-frame.test.ts the
 * framing itself.
 *
 * ESL cannot resynchronise, so a parser built as the monitor's says where each batch leaves the stream (the monitor's
 * parser is at a frame boundary when a batch starts, where it holds nothing, so a fresh one reads a batch as it does).
 * A round writes batches that leave the stream in step, then, most rounds, one that does not: a protocol error, or a
 * frame that does not end where FreeSWITCH's next one starts. Then a good call is placed.
 *
 * Checked: the process neither throws nor leaves a rejection unhandled; a stream left in step keeps its connection; one
 * that is not ends it (at once, at the next heartbeat, or at the liveness deadline for a frame that never ends) unless it
 * fell back in step by itself, and the monitor logs in again; either way the good call's record is enriched as a user
 * reads it (answered or not, by whom, the hang-up cause); every warning shows what FreeSWITCH sent with its invisible
 * characters escaped; the process's memory stays bounded, frames past what the monitor keeps of one (4 MiB) included.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EslProtocolError, FrameParser, isNeededHeader } from '../../src/esl/frame.js';
import { createLogger } from '../../src/logger.js';
import type { CallEnrichment } from '../../src/reputation/types.js';
import { call, recordOf, startHarness, type Harness } from '../fakes/esl/harness.js';
import { holdsInvisible } from '../helpers/invisible.js';
import { processFaults } from '../helpers/process-faults.js';
import { prng } from '../helpers/prng.js';
import { until } from '../helpers/until.js';
import {
  BYTE_MUTATIONS, chunks, hugeValue, int, invisibleInValue, mutate, pick, replaceName, replaceValue, wrongContentLength, type Rand,
} from '../helpers/mutate.js';
import { transcriptRecords } from '../unit/esl/transcript.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const STREAMS = ['esl-inbound-events-plain.s2c.raw', 'esl-inbound-events-plain-sip.s2c.raw', 'esl-inbound-events-json.s2c.raw',
  'esl-inbound-auth.s2c.raw'].map(transcriptRecords);
const MUTATIONS = [
  ...BYTE_MUTATIONS, wrongContentLength, wrongContentLength, invisibleInValue, hugeValue([20_000, 300_000]),
  replaceName(['Content-Type', 'Content-Length', 'Event-Name', 'Unique-ID', 'Hangup-Cause', 'variable_originator',
    'Caller-Channel-Answered-Time', 'Reply-Text', '__proto__']),
  replaceValue(['', '%', '%E2%8', '%0A%0A', '-ERR', 'text/event-plain', 'text/event-json', 'command/reply', 'auth/request',
    'text/disconnect-notice', 'HEARTBEAT', 'CHANNEL_ANSWER', 'CHANNEL_HANGUP_COMPLETE', '99999999999999999999', 'a'.repeat(300)]),
];
const SILENCE_MS = 2000;
const HEARTBEAT_MS = 250;
/** Past the liveness deadline, the next heartbeats and a reconnection, with room for a loaded machine: a stream still on
 * its connection by then fell back in step by itself. */
const SETTLE_MS = SILENCE_MS + 2 * HEARTBEAT_MS + 1500;
/** What the monitor keeps of one frame (frame.ts MAX_KEPT_BYTES); the memory rounds send frames past it. */
const KEPT_BYTES = 4 * 1024 * 1024;
/** Rounds whose batches are frames past KEPT_BYTES, framed right (they leave the stream in step). */
const MEMORY_ROUNDS = new Set([4, 13]);
const ROUNDS = 20;
/** What the process may have grown by, from the first good call on: a few frames' worth (the monitor keeps one at most). */
const MEMORY_BOUND = 24 * 1024 * 1024;

/** 1 to 6 consecutive recorded frames of one stream, mutated. */
function garbage(rand: Rand): Buffer {
  const stream = pick(rand, STREAMS);
  const from = int(rand, 0, stream.length - 1);
  return mutate(Buffer.concat(stream.slice(from, from + int(rand, 1, 6))), rand, MUTATIONS).bytes;
}

/** A recorded plain event grown past KEPT_BYTES by a header line of its own (`X-Padding`, cut at MAX_LINE_BYTES) or by
 * thousands of short ones, its Content-Length kept right. */
function oversized(rand: Rand): Buffer {
  const events = (STREAMS[int(rand, 0, 1)] as Buffer[]).filter((f) => f.includes('Content-Type: text/event-plain\n'));
  const frame = pick(rand, events).toString('latin1');
  const bodyAt = frame.indexOf('\n\n') + 2;
  const size = KEPT_BYTES + int(rand, 1, 1024 * 1024);
  const padding = rand() < 0.5 ? `X-Padding: ${'x'.repeat(size)}\n` : 'variable_sip_h_X-Pad: 0123456789abcdef\n'.repeat(Math.ceil(size / 39));
  const length = Number(/^Content-Length: (\d+)$/m.exec(frame)?.[1]) + padding.length;
  const head = frame.slice(0, bodyAt).replace(/^Content-Length: \d+$/m, `Content-Length: ${length}`);
  return Buffer.from(head + padding + frame.slice(bodyAt), 'latin1');
}

type Aftermath = 'in step' | 'out of step';

/** Where `pieces`, read from a frame boundary, leave the stream: at a frame boundary again, or not (refused, or inside a
 * frame), read by a parser built as the monitor's (EslConnection's: the default cap, chut's header filter). */
function aftermath(pieces: readonly Buffer[]): Aftermath {
  const parser = new FrameParser(undefined, undefined, isNeededHeader);
  try {
    for (const piece of pieces) parser.push(piece);
  } catch (err) {
    if (err instanceof EslProtocolError) return 'out of step';
    throw err;
  }
  return parser.partialHeaders === null && parser.held === 0 ? 'in step' : 'out of step';
}

/** A round's bytes, in the pieces they are written in: up to 10 batches that leave the stream in step, then (three rounds
 * in four) the first batch drawn that does not. */
function planRound(rand: Rand, round: number): { pieces: Buffer[]; batches: number; aftermath: Aftermath } {
  const pieces: Buffer[] = [];
  const wanted = MEMORY_ROUNDS.has(round) ? 2 : int(rand, 1, 10);
  let batches = 0;
  let breaking: Buffer[] | null = null;
  for (let drawn = 0; batches < wanted && drawn < 500; drawn++) {
    const batch = chunks(MEMORY_ROUNDS.has(round) ? oversized(rand) : garbage(rand), rand);
    if (aftermath(batch) === 'in step') {
      pieces.push(...batch);
      batches++;
    } else {
      breaking ??= batch;
    }
  }
  if (breaking && round % 4 !== 3 && !MEMORY_ROUNDS.has(round)) return { pieces: [...pieces, ...breaking], batches: batches + 1, aftermath: 'out of step' };
  return { pieces, batches, aftermath: 'in step' };
}

/** The good calls, in turn: rung through and picked up by the dialled phone; sent to voicemail, where nobody picks up. */
const GOOD = [
  { over: { dialled: '1000' }, route: 'ring', enrichment: { answered: true, answeredBy: '1000', talkSeconds: expect.any(Number), hangupCause: 'NORMAL_CLEARING' } },
  { over: { dialled: '2002' }, route: 'voicemail', enrichment: { answered: false, answeredBy: null, talkSeconds: null, hangupCause: 'NORMAL_CLEARING' } },
];

type Plan = ReturnType<typeof planRound> & { seed: number };

let h: Harness;
const logs: string[] = [];
const faults = processFaults();
/** Each round's bytes, drawn before chut starts: drawing a memory round blocks the event loop for about half a second,
 * and chut, which shares this process, would read that as FreeSWITCH gone quiet. A round's entry is let go of once it is
 * played. */
const plans: Array<Plan | null> = [];
beforeAll(async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const seed = 0xe5122 * 100 + round;
    plans.push({ ...planRound(prng(seed), round), seed });
  }
  const logger = createLogger('info', new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } }));
  h = await startHarness({ esl: { inbound: { silenceTimeoutMs: SILENCE_MS } } }, { heartbeatMs: HEARTBEAT_MS }, { logger });
});
afterAll(async () => {
  await h?.close();
});

const monitorReady = (): boolean => h.chut.adapters[0]?.status().state === 'ready' && h.sim.inbound.hasSubscribers;

/** The call's record once the monitor enriched it (undefined: not within 5 s). */
async function enrichmentOf(callId: string): Promise<CallEnrichment | undefined> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const enrichment = (await recordOf(h, callId))?.enrichment;
    if (enrichment) return enrichment;
    await new Promise((r) => setTimeout(r, 25));
  }
  return undefined;
}

/** The process's memory in use after a full collection (the JavaScript heap and the buffers outside it), less the rounds'
 * bytes not played yet. */
function memoryInUse(): number {
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  const planned = plans.reduce((sum, plan) => sum + (plan?.pieces.reduce((bytes, piece) => bytes + piece.length, 0) ?? 0), 0);
  return heapUsed + arrayBuffers - planned;
}

/** Writes a round's bytes on the monitor's connection, then places a good call, which must be enriched; true when the
 * monitor logged in again meanwhile. */
async function playRound(round: number): Promise<boolean> {
  const plan = plans[round] as Plan;
  plans[round] = null;
  const where = `round ${round} (seed ${plan.seed}, ${plan.batches} batches, ${plan.aftermath})`;
  await until(monitorReady, `${where}: the monitor logged in`);
  const before = h.sim.inbound.connectionsAccepted;
  // in one tick: the monitor reads none of it before the last piece is written
  for (const piece of plan.pieces) expect(h.sim.writeInbound(piece), where).toBe(1);
  if (plan.aftermath === 'out of step') {
    const wrote = Date.now();
    await until(() => monitorReady() && (h.sim.inbound.connectionsAccepted > before || Date.now() - wrote > SETTLE_MS),
      `${where}: the connection ended and the monitor logged in again`);
  }
  const good = GOOD[round % GOOD.length] as (typeof GOOD)[number];
  const out = await h.sim.placeCall(call(good.over));
  expect(out.route, where).toBe(good.route);
  expect(await enrichmentOf(out.callId), where).toMatchObject(good.enrichment);
  if (plan.aftermath === 'in step') expect(h.sim.inbound.connectionsAccepted, `${where}: the same connection`).toBe(before);
  return h.sim.inbound.connectionsAccepted > before;
}

describe('ESL inbound monitor: mutated recorded events between good calls', () => {
  it(`${ROUNDS} rounds: no crash, a stream out of step costs its connection only, and every next call is enriched`, { timeout: 60_000 }, async () => {
    await until(monitorReady, 'the monitor logged in');
    const first = await h.sim.placeCall(call(GOOD[0]?.over ?? {}));
    expect(await enrichmentOf(first.callId), 'before any garbage').toMatchObject(GOOD[0]?.enrichment ?? {});
    const baseline = memoryInUse();
    const grown = (): number => memoryInUse() - baseline;
    const outOfStep = plans.filter((plan) => plan?.aftermath === 'out of step').length;
    let reconnected = 0;
    for (let round = 0; round < ROUNDS; round++) {
      if (await playRound(round)) reconnected++;
      if (MEMORY_ROUNDS.has(round)) expect(grown(), `round ${round}: memory in use`).toBeLessThan(MEMORY_BOUND);
    }
    expect(faults).toEqual([]);
    // most streams left out of step end in a protocol error or a frame that never ends, and their connection with it
    expect(reconnected).toBeGreaterThan(outOfStep / 2);
    const lines = logs.map((l) => JSON.parse(l) as { level: number; msg: string; reason?: string });
    const warnings = lines.filter((l) => l.level >= 40);
    // the monitor's, and maybe the harness's readiness probe (a connection to the outbound listener that sends nothing)
    const expected = ['ESL monitor disconnected', 'outbound ESL connection without usable channel data: letting the call ring'];
    expect(warnings.filter((l) => !expected.includes(l.msg))).toEqual([]);
    for (const l of warnings) expect(holdsInvisible(l.reason ?? ''), JSON.stringify(l)).toBe(false);
    const reasons = warnings.map((l) => l.reason ?? '');
    expect(reasons.some((r) => /^protocol error: .*\\u[0-9a-f]{4}/.test(r)), 'a protocol error quoting an invisible character').toBe(true);
    expect(reasons.some((r) => r.startsWith(`no complete frame for ${SILENCE_MS} ms though data came `)), 'a frame that never ends').toBe(true);
    expect(grown(), 'memory in use').toBeLessThan(MEMORY_BOUND);
  });
});
