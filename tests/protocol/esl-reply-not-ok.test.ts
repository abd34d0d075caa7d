/**
 * A FreeSWITCH reply is a success only in the form FreeSWITCH gives one: a Reply-Text of `+OK…` (src/esl/reply.ts). On
 * chut's real wiring against the fake FreeSWITCH, over loopback, replies that are neither `+OK` nor `-ERR` (an empty
 * text, line breaks only, `-ERR` behind a bidi override) used to count as accepted: a voicemail step that never ran held
 * the caller in silence, a connect reply was screened as good channel data, a password reply logged the monitor in.
 * Each is now a refusal, and what chut writes about it shows the reply's invisible characters as escapes.
 */
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { call, recordOf, startHarness, type Harness } from '../fakes/esl/harness.js';
import { holdsInvisible } from '../helpers/invisible.js';
import { until } from '../helpers/until.js';
import { transcriptRecords } from '../unit/esl/transcript.js';

interface LogLine { level: number; msg: string; reason?: string; failure?: string }

let h: Harness;
const logs: LogLine[] = [];
beforeAll(async () => {
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { logs.push(JSON.parse(String(chunk)) as LogLine); done(); } });
  h = await startHarness({}, {}, { logger: createLogger('warn', sink) });
});
afterAll(async () => { await h?.close(); });
afterEach(() => { h.sim.reset(); });


describe('ESL: a reply that is not FreeSWITCH\'s +OK is a refusal', () => {
  it.each([
    ['-ERR behind a bidi override', '%E2%80%AE-ERR memory error', '"\\u202e-ERR memory error"'],
    ['line breaks only', '%0A%0A', '"\\u000a\\u000a"'],
  ])('a voicemail step answered so (%s) never ran: the call rings at once, recorded ring, the warning quotes the reply', async (_what, replyText, shown) => {
    h.sim.refuseApp('voicemail', replyText);
    const out = await h.sim.placeCall(call({ dialled: '2002', maxDurationMs: 10_000 }));
    expect(out.route).toBe('ring');
    expect(out.commands).not.toContain('sendmsg hangup');
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'voicemail', route: 'ring' });
    const warning = logs.find((l) => l.msg === 'FreeSWITCH did not take the voicemail step: ringing instead (fail-open)' && l.failure?.includes(shown));
    expect(warning?.failure).toBe(`refused: ${shown}`);
  });

  it('a connect reply whose Reply-Text is not +OK: the call rings unscreened at once, recorded degraded with the reply quoted', async () => {
    const recorded = transcriptRecords('esl-outbound-session.s2c.raw')[0]?.toString('latin1') ?? '';
    expect(recorded).toContain('Reply-Text: %2BOK%0A\n');
    const callId = randomUUID();
    const reply = recorded.replaceAll('aad4a0a1-6460-4301-af97-118ec520c3bf', callId).replace('Reply-Text: %2BOK%0A\n', 'Reply-Text: %E2%80%AE-ERR\n');
    const heard: string[] = [];
    await new Promise<void>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: h.sim.listenPort });
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => {
        if (heard.length === 0) socket.write(reply, 'latin1');
        heard.push(chunk.toString('latin1'));
      });
      socket.once('close', () => resolve());
      // chut ends the connection itself; this only bounds a broken run
      setTimeout(() => socket.destroy(), 10_000).unref();
    });
    // nothing but `connect`: no myevents, no routing command on channel data FreeSWITCH did not vouch for
    expect(heard.join('')).toBe('connect\n\n');
    const record = await recordOf(h, callId);
    expect(record).toMatchObject({ caller: '+33162000000', dialled: '1000', route: 'ring', degraded: true });
    expect(record?.reasons.at(-1)).toBe('channel data could not be read (connect answered "\\u202e-ERR"): fail-open, the call rang unscreened');
  });

  it('a reply to the monitor\'s auth with no +OK: not logged in, its status and warnings quote it; logged in once FreeSWITCH says +OK', async () => {
    const adapter = h.chut.adapters.find((a) => a.name === 'esl');
    const port = h.sim.inbound.port;
    await until(() => adapter?.status().state === 'ready', 'the monitor logged in');
    h.sim.answerInboundLogins((step, usual) => (step === 'reply to auth' ? 'Content-Type: command/reply\nReply-Text: %0A%0A\n\n' : usual));
    await h.sim.inbound.stop(); // FreeSWITCH restarts: the monitor logs in again
    await h.sim.inbound.start(port);
    const refusal = 'authentication refused: "\\u000a\\u000a" (not authenticated)';
    const refused = (): LogLine[] => logs.filter((l) => l.msg === 'ESL monitor disconnected' && l.reason === refusal);
    await until(() => refused().length >= 2, 'two refused logins');
    const status = adapter?.status();
    expect(status?.state).toBe('reconnecting');
    expect(status && 'lastError' in status ? status.lastError : '').toBe(refusal);
    expect(h.sim.inbound.hasSubscribers).toBe(false);
    h.sim.answerInboundLogins(null);
    await until(() => adapter?.status().state === 'ready', 'logged in again', 20_000);
    for (const l of logs) expect(holdsInvisible(`${l.msg} ${l.reason ?? ''} ${l.failure ?? ''}`), JSON.stringify(l)).toBe(false);
  }, 30_000);
});
