/**
 * A caller who makes its channel large (X-/P- headers and a long From display name in its INVITE, which FreeSWITCH
 * copies into channel variables, url-encoded, in the `connect` reply and every event) is screened like any other:
 * it used to close chut's socket, so the call rang unscreened (a blocklisted caller got through) and left no record.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { call, recordOf, startHarness, type Harness } from '../fakes/esl/harness.js';

let h: Harness;
const logLines: string[] = [];
beforeAll(async () => {
  const logger = createLogger('info', new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done(); } }));
  h = await startHarness({}, {}, { logger });
});
afterAll(async () => { await h?.close(); });

/** An INVITE padded past every cap chut had, url-encoded: 90 KB of X- header and a 60 KB display name, in several copies
 * (connect reply ~400 KB, every event ~330 KB). */
const padded = (over: Parameters<typeof call>[0]) => ({
  ...call(over),
  callerName: `ROBO${' '.repeat(20_000)}`,
  sipHeaders: { 'X-Pad': ' '.repeat(30_000), 'X-Campaign': 'spring' },
});

/** An INVITE with thousands of short X- headers: no line is too long to keep, but the connect reply and every event
 * go past the frame cap (~300 KB of short lines), where only the headers chut reads are kept. */
const manyHeaders = (over: Parameters<typeof call>[0]) => ({
  ...call(over),
  sipHeaders: Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`X-F${i}`, 'y'.repeat(80)])),
});

async function blocklist(number: string): Promise<void> {
  await h.chut.store.addListEntry({ list: 'block', entry: { kind: 'number', e164: number }, reason: 'test', source: 'test', addedAt: Date.now(), expiresAt: null });
}

describe('ESL: a caller padding its INVITE', () => {
  it('a blocklisted caller is rejected and recorded, however large its channel data', async () => {
    const c = padded({ dialled: '1000' });
    await blocklist(c.callerNumber);
    const out = await h.sim.placeCall(c);
    expect(out.route).toBe('reject');
    expect(out.commands).toEqual(expect.arrayContaining(['sendmsg pre_answer', 'sendmsg hangup']));
    const rec = await recordOf(h, out.callId);
    expect(rec).toMatchObject({ pbx: 'freeswitch', action: 'reject', route: 'reject', rule: 'blocklist', caller: c.callerNumber, degraded: false });
    expect(rec?.callerName.startsWith('ROBO')).toBe(true);
  });

  it('a captcha runs to its end although every event of the call is over the frame cap', async () => {
    const out = await h.sim.placeCall(padded({ dialled: '2001', behaviour: { kind: 'types-what-it-hears', delayMs: 20 } }));
    expect(out.route).toBe('ring');
    expect(out.heardDigits).toMatch(/^\d{4}$/);
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'captcha', route: 'ring', captcha: 'passed' });
  });

  it('past the frame cap in short lines, chut keeps what it reads: a blocklisted caller is rejected, a captcha runs to its end', async () => {
    const robot = manyHeaders({ dialled: '1000' });
    await blocklist(robot.callerNumber);
    const rejected = await h.sim.placeCall(robot);
    expect(rejected.route).toBe('reject');
    // Worth an administrator's look: the warning names the caller padding its SIP headers.
    const warning = logLines.map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.callId === rejected.callId && /channel data over the size cap/.test(String(l.msg)));
    expect(warning).toMatchObject({ level: 40, caller: robot.callerNumber });
    expect(warning?.trimmed).toBeGreaterThan(100);
    expect(await recordOf(h, rejected.callId)).toMatchObject({ action: 'reject', route: 'reject', rule: 'blocklist' });
    const person = await h.sim.placeCall(manyHeaders({ dialled: '2001', behaviour: { kind: 'types-what-it-hears', delayMs: 20 } }));
    expect(person.route).toBe('ring');
    expect(person.heardDigits).toMatch(/^\d{4}$/);
    expect(await recordOf(h, person.callId)).toMatchObject({ action: 'captcha', route: 'ring', captcha: 'passed' });
  }, 60_000);

  it('the warning shows a caller ID\'s invisible characters as escapes: a bidi override cannot disguise it in the log', async () => {
    const out = await h.sim.placeCall(manyHeaders({ callerNumber: '\u202e+33612345678', dialled: '1000' }));
    const warning = logLines.map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.callId === out.callId && /channel data over the size cap/.test(String(l.msg)));
    expect(warning).toMatchObject({ level: 40, caller: '\\u202e+33612345678' });
  }, 60_000);

  it('a connect reply that never completes still rings, and is recorded with the decision its caller fields got', async () => {
    const c = padded({ dialled: '1000' });
    await blocklist(c.callerNumber);
    // The connection ends halfway through the reply (inside the padding, after the caller's fields): the socket app
    // returns, FreeSWITCH rings the call. chut cannot route it any more, but says what it was.
    h.sim.truncateConnectReply();
    try {
      const out = await h.sim.placeCall(c);
      expect(out.route).toBe('ring');
      expect(out.commands).toEqual(['connect']);
      const rec = await recordOf(h, out.callId);
      expect(rec).toMatchObject({ action: 'reject', route: 'ring', rule: 'blocklist', degraded: true, caller: c.callerNumber });
      expect(rec?.reasons.at(-1)).toMatch(/^channel data could not be read \(.*\): fail-open, the call rang unscreened$/);
    } finally {
      h.sim.reset();
    }
  });

  it('a feature code (*77) whose connect reply never completes is not recorded as a screened inbound call', async () => {
    h.sim.truncateConnectReply();
    try {
      const out = await h.sim.placeCall(padded({ callerNumber: '1000', dialled: '*77', fromInternalPhone: true }));
      expect(out.commands).toEqual(['connect']);
      expect(await recordOf(h, out.callId)).toBeUndefined();
    } finally {
      h.sim.reset();
    }
  });
});
