/**
 * Where ESL cannot resynchronise, the connection ends cleanly: seeded mutations of recorded FreeSWITCH frames
 * (tests/fixtures/freeswitch), followed by a good reply, reach an EslConnection (connection.ts) waiting for the reply to
 * one command. A garbled stream ends in one of the ways connection.ts documents, never in a command waiting for ever
 * or a throw out of the socket's data handler: the reply comes (the good one, or a frame that reads as one), the
 * connection ends at once on a protocol error, or, when a wrong Content-Length left the parser inside a frame that never
 * ends, the reply timeout ends it. Either end rejects the command, closes the socket and is reported once.
 */
import type { Socket } from 'node:net';
import { readdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EslClosedError, EslConnection, type EslReply } from '../../../src/esl/connection.js';
import { MAX_CALL_FRAME_BYTES } from '../../../src/esl/frame.js';
import { prng } from '../../helpers/prng.js';
import { BYTE_MUTATIONS, chunks, int, mutate, pick, replaceValue, wrongContentLength } from '../../helpers/mutate.js';
import { MemorySocket } from './memory-socket.js';
import { DIR, transcriptRecords } from './transcript.js';

const RECORDED = readdirSync(DIR).filter((f) => f.endsWith('.s2c.raw')).map(transcriptRecords).filter((frames) => frames.length > 0);
const MUTATIONS = [...BYTE_MUTATIONS, wrongContentLength, wrongContentLength,
  replaceValue(['command/reply', 'api/response', 'text/event-plain', 'text/event-json', 'text/disconnect-notice', 'log/data', '', '-ERR'])];
const GOOD_REPLY = Buffer.from('Content-Type: api/response\nContent-Length: 6\n\n+OK up');

beforeEach(() => { vi.useFakeTimers(); });
afterEach(() => { vi.useRealTimers(); });

type Ending = 'replied' | 'protocol error' | 'reply timeout';

/** One seeded case; any failure, an unexpected throw included, names the seed and the mutations. */
async function fuzzCase(seed: number): Promise<Ending> {
  const rand = prng(seed);
  const stream = pick(rand, RECORDED);
  const from = int(rand, 0, stream.length - 1);
  const { bytes, applied } = mutate(Buffer.concat(stream.slice(from, from + int(rand, 1, 4))), rand, MUTATIONS);
  const where = `seed ${seed} (${applied.join(', ')})`;
  try {
    const socket = new MemorySocket();
    const closes: string[] = [];
    const conn = new EslConnection(socket as unknown as Socket, { onClose: (reason) => closes.push(reason) }, MAX_CALL_FRAME_BYTES);
    let settled: { reply: EslReply } | { error: unknown } | null = null;
    conn.send('api status\n\n').then((reply) => { settled = { reply }; }, (error: unknown) => { settled = { error }; });
    for (const piece of chunks(Buffer.concat([bytes, GOOD_REPLY]), rand)) socket.emit('data', piece);
    await vi.advanceTimersByTimeAsync(0);
    if (settled === null) {
      // stuck inside a frame that never ends: nothing comes until the reply timeout, which ends the connection
      expect(conn.closed).toBe(false);
      await vi.advanceTimersByTimeAsync(10_000);
    }
    const result = settled as { reply: EslReply } | { error: unknown } | null;
    expect(result, 'the command settled').not.toBeNull();
    if (result && 'reply' in result) {
      expect(typeof result.reply.text).toBe('string');
      return 'replied';
    }
    expect((result as { error: unknown }).error).toBeInstanceOf(EslClosedError);
    expect(closes).toHaveLength(1);
    expect(socket.ended).toBe(true);
    const reason = closes[0] as string;
    if (reason === 'reply timeout') return 'reply timeout';
    expect(reason).toMatch(/^protocol error: /);
    return 'protocol error';
  } catch (err) {
    throw new Error(`${where}: ${(err as Error).message}`, { cause: err });
  }
}

describe('ESL connection: mutated recorded frames before a reply', () => {
  it('2,000 seeded cases: the reply comes, or the connection ends at once (protocol error) or at the reply timeout', async () => {
    const ends: Record<Ending, number> = { replied: 0, 'protocol error': 0, 'reply timeout': 0 };
    for (let i = 0; i < 2000; i++) ends[await fuzzCase(0xc0_4e + i)]++;
    // The generator must reach every ending, or this test proves little.
    expect(ends.replied).toBeGreaterThan(200);
    expect(ends['protocol error']).toBeGreaterThan(200);
    expect(ends['reply timeout']).toBeGreaterThan(100);
  });
});
