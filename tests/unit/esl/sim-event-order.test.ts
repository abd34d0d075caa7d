/**
 * The simulated FreeSWITCH's events use the recorded transcripts' field names, in their order: every pair of fields
 * a simulated event shares with a recorded event comes in the recorded order (tests/fixtures/freeswitch, README there).
 * Fields no transcript holds (the bridge, a dialled leg's `Other-Leg-*` and `originator`) follow FreeSWITCH's source and
 * are not checked here. The events come from calls no chut screens (nothing listens: the socket app returns and the
 * call goes on to its normal destination), which is where the dialled legs, early media and transfers happen, and from
 * a call whose outbound connection answers it, plays a prompt and hangs up.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeCommand, plainCommand } from '../../../src/esl/command.js';
import { FrameParser, eventOf } from '../../../src/esl/frame.js';
import { freePort } from '../../../src/sim/esl/index.js';
import type { EslSimulatedCall } from '../../../src/sim/esl/index.js';
import { FakeFreeSwitch } from '../../fakes/esl/index.js';
import { scripted } from '../../fakes/esl/scripted.js';
import { DIR } from './transcript.js';

const RECORDED = ['esl-inbound-events-plain.s2c.raw', 'esl-inbound-events-plain-sip.s2c.raw', 'esl-outbound-session.s2c.raw',
  'esl-outbound-session-sip.s2c.raw'];

/** For every pair of fields seen together in a recorded event, the one that came first. */
function recordedOrder(): Set<string> {
  const before = new Set<string>();
  for (const name of RECORDED) {
    for (const frame of new FrameParser().push(readFileSync(join(DIR, name)))) {
      const fields = Object.keys(eventOf(frame) ?? {});
      fields.forEach((a, i) => { for (const b of fields.slice(i + 1)) before.add(`${a}\n${b}`); });
    }
  }
  return before;
}

/** Pairs of `fields` that come in the opposite order in a recorded event. */
function inversions(fields: string[], before: Set<string>): string[] {
  const out: string[] = [];
  fields.forEach((a, i) => {
    for (const b of fields.slice(i + 1)) if (before.has(`${b}\n${a}`) && !before.has(`${a}\n${b}`)) out.push(`${b} before ${a}`);
  });
  return out;
}

let sim: FakeFreeSwitch;
const events: Array<Record<string, string>> = [];

beforeAll(async () => {
  // Nothing listens on chut's port: every call rings through unscreened.
  sim = new FakeFreeSwitch({ chutPort: await freePort(), talkMs: 30, dialplanBound: null, mediaMs: 5 });
  await sim.start();
  const socket = connect({ host: '127.0.0.1', port: sim.inbound.port });
  const parser = new FrameParser();
  socket.on('data', (chunk: Buffer) => {
    for (const frame of parser.push(chunk)) {
      const event = eventOf(frame);
      if (event) events.push(event);
    }
  });
  socket.write('auth ClueCon\n\nevent plain ALL\n\n');
  await new Promise((resolve) => setTimeout(resolve, 100));
  const call = (destination?: EslSimulatedCall['destination']): EslSimulatedCall =>
    ({ callerNumber: '+33162000000', callerName: 'TELEMARKETING', dialled: '1000', behaviour: { kind: 'silent' }, destination });
  await Promise.all([
    sim.placeCall(call()),
    sim.placeCall(call({ earlyMedia: true, answerAfterMs: 20 })),
    sim.placeCall(call({ earlyMedia: true, answerAfterMs: null })),
    sim.placeCall(call({ answerAfterMs: 0, transferAfterMs: 10 })),
  ]);
  // The channel's own events (myevents) while an outbound connection runs apps on it.
  await scripted(sim, call(), [plainCommand('myevents'), ...['answer', 'playback', 'hangup'].map((app) =>
    executeCommand(app, app === 'playback' ? 'digits/4.wav' : '').frame)]);
  socket.destroy();
});
afterAll(async () => { await sim?.stop(); });

describe('the simulated FreeSWITCH events keep the recorded field order', () => {
  it('every event of calls through early media, a pickup and a transfer', () => {
    const names = new Set(events.map((e) => e['Event-Name']));
    for (const name of ['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_PROGRESS_MEDIA', 'CHANNEL_BRIDGE', 'CHANNEL_UNBRIDGE', 'CHANNEL_EXECUTE',
      'CHANNEL_EXECUTE_COMPLETE', 'PLAYBACK_START', 'CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE']) {
      expect(names).toContain(name);
    }
    const before = recordedOrder();
    for (const event of events) expect(inversions(Object.keys(event), before), event['Event-Name']).toEqual([]);
  });
});
