/**
 * esl.allowFrom: the outbound listener serves only the addresses it lists. Anyone else who reaches the port (a
 * listenHost of 0.0.0.0) could fake calls into chut, `*77` reports of real numbers included. The fake FreeSWITCH
 * connects from 127.0.0.1: a list without it stands for a FreeSWITCH (or anyone) on an address not allowed.
 */
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { ScreeningService } from '../../src/screening/types.js';
import { call, recordOf, startHarness, type Harness } from '../fakes/esl/harness.js';
import { until } from '../helpers/until.js';

type Line = Record<string, unknown>;
function capturingLogger(lines: Line[]) {
  return createLogger('info', new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk)) as Line); done(); } }));
}
const refusals = (lines: Line[]) => lines.filter((l) => l.level === 40 && /ESL connection .*refused/.test(String(l.msg)));

/** Counts every call into the screening service (screen, handleCall, reportLastCaller…): what a refused peer must not reach. */
function countScreeningCalls(screening: ScreeningService): () => number {
  let calls = 0;
  const target = screening as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(target)) {
    if (typeof value !== 'function') continue;
    target[name] = (...args: unknown[]) => { calls++; return (value as (...a: unknown[]) => unknown).apply(screening, args); };
  }
  return () => calls;
}

async function refusedCount(h: Harness): Promise<number> {
  const line = /^chut_pbx_peers_refused_total\{adapter="esl"\} (\d+)$/m.exec(await h.chut.metrics.render());
  return Number(line?.[1]);
}

describe('ESL esl.allowFrom: a peer not allowed', () => {
  const lines: Line[] = [];
  let h: Harness;
  let screeningCalls: () => number;
  let refusedAtStart = 0; // the fake's own probe that chut listens (waitForChut) is refused too
  beforeAll(async () => {
    // no dial plan bound: only `connect` before the close can make a refused call ring (a bare close is dead air)
    h = await startHarness({ esl: { allowFrom: ['10.0.0.0/8', 'fd00::/8'] } }, { dialplanBound: null }, { logger: capturingLogger(lines) });
    screeningCalls = countScreeningCalls(h.chut.screening);
    refusedAtStart = await refusedCount(h);
  });
  afterAll(async () => { await h?.close(); });

  it('gets connect and a close, nothing more: its call rings, nothing is screened or recorded', async () => {
    const c = call({ dialled: '2003' }); // the reject line
    await h.chut.store.addListEntry({ list: 'block', entry: { kind: 'number', e164: c.callerNumber }, reason: 'test', source: 'test', addedAt: Date.now(), expiresAt: null });
    const out = await h.sim.placeCall(c);
    expect(out.route).toBe('ring');
    expect(out.commands).toEqual(['connect']);
    expect(screeningCalls()).toBe(0);
    expect((await h.chut.store.calls({ limit: 10 })).calls).toEqual([]);
  });

  it('cannot report the last caller with *77', async () => {
    const out = await h.sim.placeCall({ callerNumber: '1000', callerName: 'Kitchen', dialled: '*77', behaviour: { kind: 'silent' }, maxDurationMs: 5000, fromInternalPhone: true });
    expect(out.commands).toEqual(['connect']);
    expect(out.executed).toEqual([]);
    expect(screeningCalls()).toBe(0);
  });

  it('is logged once per address (naming it and the setting), counted in the metrics every time', async () => {
    expect(refusals(lines)).toEqual([expect.objectContaining({ peer: '127.0.0.1', msg: expect.stringMatching(/from 127\.0\.0\.1 refused: .*not in esl\.allowFrom/) })]);
    expect(await refusedCount(h) - refusedAtStart).toBe(2);
  });

  it('sends nothing but connect to a client that is not FreeSWITCH, and reads nothing of what it sends', async () => {
    const socket = connect(h.sim.listenPort, '127.0.0.1');
    socket.on('error', () => undefined);
    let received = '';
    socket.on('data', (d: Buffer) => { received += d.toString('latin1'); });
    socket.write('x'.repeat(1 << 20)); // a megabyte of garbage: dropped unread
    await new Promise((resolve) => socket.once('end', resolve));
    expect(received).toBe('connect\n\n');
    socket.destroy();
    expect(screeningCalls()).toBe(0);
  });
});

describe('ESL esl.allowFrom: allowed peers', () => {
  const lines: Line[] = [];
  let h: Harness;
  const sockets: Array<ReturnType<typeof connect>> = [];
  beforeAll(async () => {
    // 127.0.0.1 (the fake FreeSWITCH) only: 127.0.0.2, a loopback address too on Linux, stands for another host
    h = await startHarness({ esl: { listenHost: '0.0.0.0', allowFrom: ['127.0.0.1'] } }, {}, { logger: capturingLogger(lines) });
  });
  afterEach(() => { for (const s of sockets.splice(0)) s.destroy(); });
  afterAll(async () => { await h?.close(); });

  it('are screened as before: a blocklisted caller is rejected and recorded', async () => {
    const c = call({});
    await h.chut.store.addListEntry({ list: 'block', entry: { kind: 'number', e164: c.callerNumber }, reason: 'test', source: 'test', addedAt: Date.now(), expiresAt: null });
    const out = await h.sim.placeCall(c);
    expect(out.route).toBe('reject');
    expect((await recordOf(h, out.callId))?.route).toBe('reject');
    expect(refusals(lines)).toEqual([]);
  });

  it('a flood of refused connections (another address, left open) does not keep a call from being screened, and logs one line', async () => {
    for (let i = 0; i < 400; i++) {
      const s = connect({ port: h.sim.listenPort, host: '127.0.0.1', localAddress: '127.0.0.2' });
      s.on('error', () => undefined);
      s.resume();
      sockets.push(s);
    }
    await until(() => refusals(lines).length > 0, 'the refusal warning');
    const c = call({});
    await h.chut.store.addListEntry({ list: 'block', entry: { kind: 'number', e164: c.callerNumber }, reason: 'test', source: 'test', addedAt: Date.now(), expiresAt: null });
    const out = await h.sim.placeCall(c);
    expect(out.route).toBe('reject');
    await until(() => sockets.every((s) => s.destroyed || s.readableEnded), 'every refused connection ended by chut');
    expect(refusals(lines)).toEqual([expect.objectContaining({ peer: '127.0.0.2' })]);
  });
});
