/**
 * The ESL frame parser on what a real FreeSWITCH sends: every recorded stream in tests/fixtures/freeswitch, parsed in
 * 1,400-byte pieces (a network's segments) and in 64 KiB ones (loopback), each event read as chut reads it (eventOf),
 * with the parser chut's connections use (only the headers chut reads are kept) beside one that keeps every header.
 * CPU only, no Redis; microseconds per frame, the median of several rounds.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { eventOf, FrameParser, isNeededHeader, MAX_CALL_FRAME_BYTES, type KeepHeader } from '../src/esl/frame.js';
import { packageRoot } from '../src/package-root.js';
import type { BenchOptions } from './main.js';

const FIXTURES = join(packageRoot(), 'tests', 'fixtures', 'freeswitch');

/** Parses every stream once in `chunk`-byte pieces; returns the frames read (and counts the events named, so that
 * reading them is not optimised away). */
function parseAll(streams: Buffer[], chunk: number, keep: KeepHeader | undefined): number {
  let frames = 0;
  for (const stream of streams) {
    const parser = new FrameParser(MAX_CALL_FRAME_BYTES, undefined, keep);
    for (let at = 0; at < stream.length; at += chunk) {
      for (const frame of parser.push(stream.subarray(at, at + chunk))) {
        frames++;
        if (eventOf(frame)?.['Event-Name'] !== undefined) named++;
      }
    }
  }
  return frames;
}

let named = 0;

/** Median µs per frame over `rounds` rounds of `repeat` passes. */
function measure(streams: Buffer[], chunk: number, keep: KeepHeader | undefined, rounds: number, repeat: number): number {
  for (let i = 0; i < 20; i++) parseAll(streams, chunk, keep); // JIT warm
  const perFrame: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    let frames = 0;
    for (let i = 0; i < repeat; i++) frames += parseAll(streams, chunk, keep);
    perFrame.push(((performance.now() - t0) * 1000) / frames);
  }
  perFrame.sort((a, b) => a - b);
  return Math.round((perFrame[Math.floor(perFrame.length / 2)] as number) * 100) / 100;
}

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.s2c.raw')).sort();
  const streams = files.map((f) => readFileSync(join(FIXTURES, f)));
  const frames = parseAll(streams, 1 << 30, undefined);
  const bytes = streams.reduce((n, s) => n + s.length, 0);
  opts.say(`  ${files.length} recorded streams, ${frames} frames, ${Math.round(bytes / 1024)} KiB; µs per frame (median of 5 rounds)`);
  const rows: Record<string, unknown> = { frames, bytes };
  for (const chunk of [1400, 65_536]) {
    const repeat = opts.quick ? 5 : 40;
    const chut = measure(streams, chunk, isNeededHeader, 5, repeat);
    const all = measure(streams, chunk, undefined, 5, repeat);
    rows[`chunk_${chunk}`] = { chut_us: chut, keep_all_us: all, ratio: Math.round((all / chut) * 100) / 100 };
    opts.say(`  ${String(chunk).padStart(5)}-byte pieces: chut's connections ${chut.toFixed(2)} µs, keeping every header ${all.toFixed(2)} µs (${(all / chut).toFixed(2)}×)`);
  }
  await Promise.resolve();
  return { ...rows, events_named: named };
}
