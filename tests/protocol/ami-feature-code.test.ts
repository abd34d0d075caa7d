/**
 * `*77`/`*78` in AMI mode: the phone hears how its report went. chut-ami.conf's [chut-report] waits (bounded) for chut's
 * `CHUT_REPORTED`: "thank you" once reported, a busy tone when there was nobody to report, the information tone when
 * the report could not be made or chut did not answer (an older snippet said "thank you" whatever happened).
 * chut's real wiring, the AMI simulator running the snippet's steps, the real Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_SOUNDS } from '../../src/sim/ami/feature-call.js';
import type { SimulatedCall } from '../../src/sim/types.js';
import { header, recordOf, startAmiHarness, type AmiHarness, type Packet } from '../fakes/ami/index.js';

const DID = '0100000000';
let n = 0;
const inbound = (callerNumber: string): SimulatedCall => ({ callerNumber, callerName: 'Someone', dialled: DID, behaviour: { kind: 'silent' } });

/** The phone whose caller ID is the DID dials `code`; returns what it heard (the sound after the wait). */
async function press(h: AmiHarness, code: '*77' | '*78' = '*77'): Promise<string[]> {
  const heard: Packet[] = [];
  const previous = h.sim.server.onEvent;
  h.sim.server.onEvent = (p) => {
    previous?.(p);
    if (header(p, 'Event') === 'Newexten' && header(p, 'Exten') !== undefined && ['Playback', 'Playtones'].includes(header(p, 'Application') ?? '')) heard.push(p);
  };
  try {
    await h.sim.placeCall({ callerNumber: DID, callerName: 'Kitchen', dialled: code, behaviour: { kind: 'silent' }, fromInternalPhone: true, maxDurationMs: 8000 });
  } finally {
    h.sim.server.onEvent = previous;
  }
  return heard.map((p) => `${header(p, 'Application') ?? ''}(${header(p, 'AppData') ?? ''})`);
}
const sound = ([app, data]: readonly [string, string]) => [`${app}(${data})`];
const facts = (h: AmiHarness, e164: string) => h.chut.store.lookup({ e164, now: Date.now(), rateWindowsSec: [], blockDigits: 8 });

describe('AMI *77/*78: the phone hears how the report went', () => {
  let h: AmiHarness;
  beforeAll(async () => { h = await startAmiHarness({ label: 'ami-feature', sim: { talkMs: 50 } }); });
  afterAll(async () => { await h?.stop(); });

  it('nobody to report yet: a busy tone', async () => {
    expect(await press(h)).toEqual(sound(REPORT_SOUNDS.nobody));
  });

  it('reported: "thank you", and the last caller of the line is blocklisted', async () => {
    const spammer = `+336125590${String(++n).padStart(2, '0')}`;
    const out = await h.sim.placeCall(inbound(spammer));
    expect(await recordOf(h, out.callId)).toMatchObject({ route: 'ring' });
    await h.adapter.idle();
    expect(await press(h)).toEqual(sound(REPORT_SOUNDS.reported));
    expect(await facts(h, spammer)).toMatchObject({ reports: 1, listed: { list: 'block' } });
    expect(await press(h, '*78')).toEqual(sound(REPORT_SOUNDS.reported));
    expect((await facts(h, spammer)).listed?.list).toBe('allow');
  });

  it('the store failing: the information tone, never "thank you"', async () => {
    const store = h.chut.store as unknown as { lastCallerState: (t: string) => Promise<unknown> };
    const real = store.lastCallerState.bind(store);
    store.lastCallerState = () => Promise.reject(new Error('Connection is closed.'));
    try {
      expect(await press(h)).toEqual(sound(REPORT_SOUNDS.failed));
    } finally {
      store.lastCallerState = real;
    }
    expect(h.logs.some((l) => l.includes('could not be made') && l.includes('Connection is closed'))).toBe(true);
  });

  it('chut not answering (its AMI link gone): the information tone once the bounded wait ends', async () => {
    const started = Date.now();
    h.sim.server.eventHook = (p, deliver) => { if (header(p, 'UserEvent') !== 'ChutReport') deliver(); };
    try {
      expect(await press(h)).toEqual(sound(REPORT_SOUNDS.failed));
    } finally {
      h.sim.server.eventHook = null;
    }
    expect(Date.now() - started).toBeLessThan(7000);
  });
});
