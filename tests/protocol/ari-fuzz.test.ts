/**
 * Mutated ARI frames interleaved with good calls, on chut's real wiring (startChut) against the ARI fake: recorded
 * Asterisk frames (tests/fixtures/asterisk/*.jsonl) mutated with a seeded PRNG (tests/unit/ari/fuzz-events.test.ts fuzzes
 * the parser itself) go over the events WebSocket between calls, and during a captcha call, aimed at its channel. Left
 * out: the frames that parse as an event Asterisk sends only when a call or the app is really gone (StasisEnd,
 * ChannelDestroyed, ChannelHangupRequest for the live call, ApplicationReplaced): chut rightly lets the call or the app
 * go, and the fake's channel would wait in Stasis for the snippet's bound. Checked: the process neither throws nor
 * leaves a rejection unhandled, no call handling fails, a call under fire is routed somewhere (never dead air) and
 * recorded, and every next good call is screened and routed as its caller deserves.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFrame } from '../../src/ari/events.js';
import { recordOf, startAriHarness, type AriHarness } from '../fakes/ari/index.js';
import { CALLS_BY_NAME } from '../helpers/policy.js';
import { processFaults } from '../helpers/process-faults.js';
import { prng } from '../helpers/prng.js';
import { BYTE_MUTATIONS, mutate, pick, type Rand } from '../helpers/mutate.js';
import { mutateJson } from '../helpers/mutate-json.js';

const DIR = new URL('../fixtures/asterisk/', import.meta.url);
const FRAMES = readdirSync(DIR).filter((f) => f.endsWith('.jsonl'))
  .flatMap((name) => readFileSync(new URL(name, DIR), 'utf8').split('\n').filter((l) => l !== ''));
const GONE = new Set(['StasisEnd', 'ChannelDestroyed', 'ChannelHangupRequest']);
/** Recorded frames about a call still in Stasis, to aim at a live call. */
const LIVE_FRAMES = FRAMES.filter((f) => !GONE.has((JSON.parse(f) as { type: string }).type));

/** A recorded frame (aimed at channel `target` when given), mutated as JSON or as bytes; null when it parses as an
 * event that says the call or the app is gone (see the top of the file). */
function garbage(rand: Rand, target: string | null): string | null {
  let frame = pick(rand, target ? LIVE_FRAMES : FRAMES);
  if (target) {
    const json = JSON.parse(frame) as { channel?: { id: string }; playback?: { target_uri: string } };
    if (json.channel) json.channel.id = target;
    if (json.playback) json.playback.target_uri = `channel:${target}`;
    frame = JSON.stringify(json);
  }
  const raw = rand() < 0.6 ? mutateJson(frame, rand).text : mutate(Buffer.from(frame), rand, BYTE_MUTATIONS).bytes.toString();
  const parsed = parseFrame(raw);
  if (!parsed.ok) return raw;
  const { type } = parsed.event;
  if (type === 'ApplicationReplaced' || (target && GONE.has(type))) return null;
  return raw;
}

function sendGarbage(h: AriHarness, seed: number, count: number, target: string | null): void {
  const rand = prng(seed);
  for (let sent = 0; sent < count;) {
    const raw = garbage(rand, target);
    if (raw === null) continue;
    h.sim.faults.sendRaw(raw);
    sent++;
  }
}

let h: AriHarness;
const faults = processFaults();
beforeAll(async () => {
  h = await startAriHarness({ label: 'ari-fuzz' });
});
afterAll(async () => {
  await h?.stop();
});

describe('ARI: mutated recorded frames between and during calls', () => {
  it('8 rounds: 40 frames between calls, 15 aimed at a captcha call; no crash, no dead air, every next call routed', { timeout: 60_000 }, async () => {
    let n = 0;
    const number = (): string => `+3361266${String(++n).padStart(4, '0')}`;
    for (let round = 0; round < 8; round++) {
      const seed = 0xa21 * 100 + round;
      const where = `round ${round} (seed ${seed})`;
      sendGarbage(h, seed, 40, null);

      // a call under fire: forged frames about its own channel while its captcha runs
      const aim = (id: string): void => sendGarbage(h, seed + 50, 15, id);
      h.sim.once('stasis-start', aim);
      const contested = await h.sim.placeCall({ callerNumber: number(), callerName: 'CAPTCHA under fire', dialled: '0100000000', behaviour: { kind: 'types-what-it-hears' } });
      h.sim.off('stasis-start', aim);
      expect(['ring', 'voicemail', 'reject'], `${where}: the call under fire`).toContain(contested.route);
      expect(await recordOf(h, contested.callId), where).toMatchObject({ action: 'captcha', route: contested.route });

      const good = CALLS_BY_NAME[round % CALLS_BY_NAME.length] as (typeof CALLS_BY_NAME)[number];
      const out = await h.sim.placeCall({ callerNumber: number(), callerName: good.name, dialled: '0100000000', behaviour: good.behaviour });
      expect(out.route, where).toBe(good.route);
      expect(await recordOf(h, out.callId), where).toMatchObject({ action: good.action, route: good.route });
    }
    expect(faults).toEqual([]);
    expect(h.logs.filter((l) => /call handling failed|a bug/.test(l))).toEqual([]);
    expect(h.adapter.status().state).toBe('ready');
  });
});
