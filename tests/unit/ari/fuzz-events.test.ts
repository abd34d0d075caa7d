/**
 * Seeded mutation fuzzing of the ARI edge (events.ts) with the WebSocket frames a real Asterisk 22 sent
 * (tests/fixtures/asterisk/*.jsonl). Two kinds of garbage: the frame's bytes mutated (flipped bytes, cuts, CR/LF/NUL,
 * invalid UTF-8 decoded as the connection decodes a message), and its JSON mutated (a field of the wrong type, removed,
 * added, `type` swapped for another event's or an odd name, `__proto__` keys, huge strings and arrays, deep nesting).
 *
 * What must hold: parseFrame never throws and says `ok: false` with a short reason, or hands over an event whose every
 * field is what the schema promises (a channel id chut may put in a REST path above all); what the adapter reads from a
 * refused StasisStart (strandedChannel) is an id as text with a bounded creation time, or null; nothing reaches
 * Object.prototype; and a good frame after the garbage parses as it does alone (each WebSocket message is a frame of
 * its own: nothing to resynchronise).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eventChannelId, isChannelId, MAX_FRAME, parseFrame, strandedChannel, type ParsedFrame } from '../../../src/ari/events.js';
import { prng } from '../../helpers/prng.js';
import { BYTE_MUTATIONS, mutate, pick, type Rand } from '../../helpers/mutate.js';
import { mutateJson } from '../../helpers/mutate-json.js';

const DIR = new URL('../../fixtures/asterisk/', import.meta.url);
const FRAMES = readdirSync(DIR).filter((f) => f.endsWith('.jsonl'))
  .flatMap((name) => readFileSync(new URL(name, DIR), 'utf8').split('\n').filter((l) => l !== ''));
const GOOD = FRAMES.find((f) => f.startsWith('{"type":"StasisStart"')) as string;

function garbage(rand: Rand): { raw: string; applied: string[] } {
  const frame = pick(rand, FRAMES);
  if (rand() < 0.6) {
    const { text, applied } = mutateJson(frame, rand);
    return { raw: text, applied };
  }
  // bytes, decoded as the connection decodes a message (data.toString(): invalid UTF-8 becomes U+FFFD)
  const { bytes, applied } = mutate(Buffer.from(frame), rand, BYTE_MUTATIONS);
  return { raw: bytes.toString(), applied };
}

/** What a parsed frame breaks of the schema's promises, or null. */
function broken(parsed: ParsedFrame): string | null {
  if (!parsed.ok) return typeof parsed.error === 'string' && parsed.error.length <= 300 ? null : 'error text';
  const ev = parsed.event;
  if (ev.type === 'Other') return typeof ev.name === 'string' && ev.name.length <= 64 ? null : 'other name';
  if (Object.hasOwn(ev, '__proto__') || Object.getPrototypeOf(ev) !== Object.prototype) return 'prototype';
  if ('channel' in ev) {
    if (!isChannelId(ev.channel.id)) return 'channel id';
    if (typeof ev.channel.caller.number !== 'string' || typeof ev.channel.caller.name !== 'string') return 'caller';
    if (!Number.isInteger(ev.channel.dialplan.priority)) return 'priority';
  }
  if (ev.type === 'StasisStart' && (!Array.isArray(ev.args) || ev.args.some((a) => typeof a !== 'string'))) return 'args';
  if (ev.type === 'ChannelDtmfReceived' && !/^[0-9A-D*#]$/.test(ev.digit)) return 'digit';
  if ('playback' in ev && typeof ev.playback.target_uri !== 'string') return 'target';
  const id = eventChannelId(ev);
  if (id !== null && typeof id !== 'string') return 'event channel id';
  return null;
}

describe('ARI edge: mutated recorded frames', () => {
  it('every recorded frame parses', () => {
    for (const frame of FRAMES) expect(parseFrame(frame).ok, frame.slice(0, 80)).toBe(true);
  });

  it('3,000 seeded cases: never a throw, only events the schema promises, then a good frame parses as alone', () => {
    const before = Object.getOwnPropertyNames(Object.prototype);
    const good = parseFrame(GOOD);
    const BASE = 0x41_52_49; // 'ARI'
    const seen = { refused: 0, read: 0, known: 0 };
    for (let i = 0; i < 3000; i++) {
      const seed = BASE + i;
      const rand = prng(seed);
      const { raw, applied } = garbage(rand);
      const where = `seed ${seed} (${applied.join(', ')})`;
      try {
        const parsed = parseFrame(raw);
        expect(broken(parsed)).toBeNull();
        const stranded = strandedChannel(raw);
        expect(stranded === null || (typeof stranded.id === 'string' && stranded.id.length <= MAX_FRAME)).toBe(true);
        expect(stranded === null || stranded.creationtime === null || stranded.creationtime.length <= 64).toBe(true);
        expect(parseFrame(GOOD)).toEqual(good);
        if (!parsed.ok) seen.refused++;
        else if (parsed.event.type === 'Other') seen.read++;
        else seen.known++;
      } catch (err) {
        throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
      }
    }
    expect(Object.getOwnPropertyNames(Object.prototype)).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // The generator must reach refusals, unknown types and events that pass, or this test proves little.
    expect(seen.refused).toBeGreaterThan(500);
    expect(seen.read).toBeGreaterThan(30);
    expect(seen.known).toBeGreaterThan(300);
  });
});
