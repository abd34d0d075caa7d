/**
 * chut's answer comes after the dialplan stopped waiting for it (CHUT_WAIT_MS): the dialplan has rung the call
 * (fail-open), and chut must not act as if its decision had been taken. Two ways it happens in production: chut
 * decides too late (a slow store under a screening deadline above the dialplan's wait), or Asterisk confirms the
 * Setvars only after the wait ended (a busy Asterisk), within chut's own action timeout. Either way the call record
 * says it rang, with the action chut decided, and chut's log says why. chut's real wiring, the AMI fake running our
 * dialplan, the real Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/reputation/types.js';
import type { SimulatedCall } from '../../src/sim/types.js';
import { eventually, expectNoPerCallState, header, startAmiHarness, type AmiHarness, type Packet, recordOf } from '../fakes/ami/index.js';

/** The dialplan's wait for CHUT_DECISION here, well under chut's 2 s action timeout and its screening deadline. */
const WAIT_MS = 400;
/** How far past the end of the dialplan's wait (as chut counts it, from the ChutQuery it read) a late answer lands. */
const PAST_WAIT_MS = 100;

let h: AmiHarness;
let n = 0;
const caller = () => `+3361266${String(5000 + ++n).padStart(4, '0')}`;
const call = (callerName: string): SimulatedCall =>
  ({ callerNumber: caller(), callerName, dialled: '0100000000', behaviour: { kind: 'silent' } });

// a screening deadline (the most config allows) far above the dialplan's wait: the late decision is the store's
// slowness, not the deadline's fail-open; a talk long enough that the channel is still up when a held Setvar lands
beforeAll(async () => {
  h = await startAmiHarness({
    label: 'ami-late', sim: { decisionWaitMs: WAIT_MS, talkMs: 2500 }, config: { screening: { deadlineMs: 5000 } },
  });
});
afterAll(async () => { await h.stop(); });

/** The dialplan no longer waits for CHUT_DECISION on this channel (it took a route), or the channel is gone. */
function pastWait(channel: string): boolean {
  const ch = h.sim.server.channels.get(channel);
  return !ch || ch.context !== 'chut-screen' || ch.exten !== 's';
}

/** Resolves once the dialplan stopped waiting on every call in progress and `ms` have passed since `since`. */
function lateEnough(channels: () => string[], since: number, ms: number): Promise<void> {
  return eventually(() => channels().every(pastWait) && Date.now() >= since + ms, 10_000, 'the dialplan to stop waiting');
}

const liveChannels = () => [...h.sim.live].map((c) => c.inbound.name);
const isSetvar = (p: Packet) => (header(p, 'Action') ?? '').toLowerCase() === 'setvar';
const linesOf = (callId: string) => h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.callId === callId);

async function placeWithSnippet(version: 1 | 2, name: string) {
  h.sim.server.snippetVersion = version;
  try {
    return await h.sim.placeCall(call(name));
  } finally {
    h.sim.server.snippetVersion = 2;
  }
}

/** What a user notices of a call chut answered too late: it rang, unanswered by any IVR, recorded ring with the
 * decision chut made, no captcha outcome; chut logged `message` for it, and nothing saying chut routed it otherwise. */
async function expectRangLate(out: { route: string; answered: boolean; callId: string }, action: string, message: string): Promise<CallRecord> {
  expect(out).toMatchObject({ route: 'ring', answered: false });
  const rec = await recordOf(h, out.callId);
  expect(rec).toMatchObject({ action, route: 'ring', captcha: null });
  await h.adapter.idle();
  const lines = linesOf(out.callId);
  expect(lines.filter((l) => l.msg === message)).toEqual([expect.objectContaining({ level: 40, route: action })]);
  expect(lines.filter((l) => /another route than the one chut sent|could not set the decision/.test(String(l.msg)))).toEqual([]);
  return rec;
}

describe.each([2, 1] as const)('chut-ami.conf version %i', (version) => {
  it.each(['REJECT', 'CAPTCHA'])('%s decided only after the dialplan stopped waiting (a slow store): nothing is sent, the call rang, recorded ring', async (kind) => {
    const message = 'AMI: decision came after the dialplan stopped waiting: the call rang (fail-open)';
    const store = h.chut.store;
    const lookup = store.lookup;
    // chut reads the ChutQuery before it looks the caller up: the lookup returns once the dialplan has rung the call
    // and the wait chut counts from that read has ended too
    store.lookup = async (req) => {
      store.lookup = lookup;
      await lateEnough(liveChannels, Date.now(), WAIT_MS + PAST_WAIT_MS);
      return lookup.call(store, req);
    };
    const before = h.sim.server.received.length;
    try {
      const out = await placeWithSnippet(version, `${kind} decided late v${version}`);
      await expectRangLate(out, kind.toLowerCase(), message);
      // no decision (no reject, no captcha digits) written on a channel that is ringing
      expect(h.sim.server.received.slice(before).map((r) => r.packet).filter(isSetvar)).toEqual([]);
    } finally {
      store.lookup = lookup;
    }
  });

  it.each(['REJECT', 'CAPTCHA'])('%s whose Setvars Asterisk confirms only after the dialplan stopped waiting (within chut\'s action timeout): the call rang, recorded ring', async (kind) => {
    const message = 'AMI: the decision was confirmed after the dialplan wait: the call most likely rang (fail-open)';
    let held: Promise<void> | null = null;
    const heldFor: string[] = [];
    // Asterisk handles the call's Setvars (all of them, in order) once its dialplan has rung the call and the wait
    // chut counts from its read of the ChutQuery (before it sent them) has ended too
    h.sim.server.holdAction = (p) => {
      if (!isSetvar(p)) return null;
      heldFor.push(header(p, 'Channel') ?? '');
      held ??= lateEnough(() => heldFor, Date.now(), WAIT_MS + PAST_WAIT_MS);
      return held;
    };
    try {
      const out = await placeWithSnippet(version, `${kind} confirmed late v${version}`);
      await expectRangLate(out, kind.toLowerCase(), message);
      // chut did send its decision, and Asterisk set it, after the dialplan had rung: nothing came of it
      expect(heldFor.length).toBeGreaterThan(0);
    } finally {
      h.sim.server.holdAction = null;
    }
  });
});

it('holds no per-call state once the calls are over', async () => {
  await h.adapter.idle();
  await expectNoPerCallState(h.adapter);
});
