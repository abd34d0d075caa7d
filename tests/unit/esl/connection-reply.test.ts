/**
 * Whether a `command/reply` is FreeSWITCH carrying the command out: a Reply-Text of `+OK`, alone or followed by its
 * words or a line break, as every recorded success reads (tests/fixtures/freeswitch). Anything else is a refusal, not
 * only `-ERR …`: an empty Reply-Text, line breaks only, `-ERR` behind a bidi override used to count as accepted.
 */
import type { Socket } from 'node:net';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EslConnection } from '../../../src/esl/connection.js';
import { FrameParser } from '../../../src/esl/frame.js';
import { MemorySocket } from './memory-socket.js';
import { DIR, transcriptRecords } from './transcript.js';

/** The reply `connection` gives to a command FreeSWITCH answers with `frame`. */
async function replyTo(frame: string | Buffer): Promise<{ ok: boolean; text: string }> {
  const socket = new MemorySocket();
  const conn = new EslConnection(socket as unknown as Socket);
  const reply = conn.send('auth ClueCon\n\n');
  socket.emit('data', Buffer.from(frame));
  const { ok, text } = await reply;
  conn.close();
  return { ok, text };
}

const commandReply = (replyText: string): string => `Content-Type: command/reply\nReply-Text: ${replyText}\n\n`;

describe('ESL connection: a command/reply is a success only in FreeSWITCH\'s form', () => {
  it('every recorded command/reply: the +OK ones are successes (the connect reply\'s %2BOK%0A too), the -ERR ones refusals', async () => {
    const files = readdirSync(DIR).filter((name) => name.endsWith('.s2c.raw'));
    const seen = { ok: new Set<string>(), refused: new Set<string>() };
    for (const file of files) {
      for (const record of transcriptRecords(file)) {
        const [frame] = new FrameParser().push(record);
        if (frame?.headers['Content-Type'] !== 'command/reply') continue;
        const recorded = frame.headers['Reply-Text'] ?? '';
        const { ok } = await replyTo(record);
        seen[ok ? 'ok' : 'refused'].add(recorded);
      }
    }
    expect([...seen.ok].every((text) => text.startsWith('+OK'))).toBe(true);
    expect([...seen.refused].every((text) => text.startsWith('-ERR'))).toBe(true);
    // the kinds the recordings hold: auth, event, myevents, linger, sendmsg, bgapi, the connect reply; and the refusals
    for (const text of ['+OK accepted', '+OK event listener enabled plain', '+OK Events Enabled', '+OK will linger 5 seconds', '+OK', '+OK\n']) {
      expect(seen.ok, JSON.stringify(text)).toContain(text);
    }
    expect(seen.refused).toContain('-ERR invalid');
    expect(seen.refused).toContain('-ERR no keywords supplied');
  });

  it.each([
    ['empty', ''],
    ['line breaks only', '%0A%0A'],
    ['-ERR behind a bidi override', '%E2%80%AE-ERR invalid'],
    ['+OK behind a bidi override', '%E2%80%AE%2BOK accepted'],
    ['a space first', ' %2BOK accepted'],
    ['+OK run into a word', '%2BOKAY'],
    ['lower case', '%2Bok accepted'],
    ['+OK then an invisible character', '%2BOK%E2%80%8B accepted'],
    ['a usage text', '-USAGE: uuid_kill <uuid>'],
    ['another frame\'s words', 'auth/request'],
  ])('%s is a refusal', async (_what, replyText) => {
    expect((await replyTo(commandReply(replyText))).ok).toBe(false);
  });

  it('a command/reply without a Reply-Text is a refusal', async () => {
    expect((await replyTo('Content-Type: command/reply\nSocket-Mode: async\n\n')).ok).toBe(false);
  });
});
