import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventOf, FrameParser } from '../../../src/esl/frame.js';
import { defaultRetryDelay, enrichmentFrom, InboundMonitor } from '../../../src/esl/monitor.js';
import { silentLogger } from '../../../src/logger.js';
import { InboundEventServer } from '../../../src/sim/esl/inbound.js';
import type { CallEnrichment } from '../../../src/reputation/types.js';
import { DIR } from './transcript.js';

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function monitor(port: number, password: string, seen: Array<[string, CallEnrichment]>): InboundMonitor {
  return new InboundMonitor({
    host: '127.0.0.1', port, password, logger: silentLogger(),
    isScreened: (id) => id.startsWith('screened-'),
    enrich: async (id, e) => { seen.push([id, e]); },
    retryDelayMs: () => 30,
  });
}

/** A call bridged to extension 1000 for 42 s (Bridged-Time to Hangup-Time, in µs). */
const hangupComplete = (id: string): Array<[string, string]> => [
  ['Event-Name', 'CHANNEL_HANGUP_COMPLETE'], ['Unique-ID', id], ['Hangup-Cause', 'NORMAL_CLEARING'],
  ['Caller-Channel-Answered-Time', '1795889590411208'], ['Caller-Channel-Hangup-Time', '1795889633011208'],
  ['Caller-Channel-Bridged-Time', '1795889591011208'], ['variable_billsec', '43'], ['variable_last_sent_callee_id_number', '1000'],
];

/** The CHANNEL_HANGUP_COMPLETE events of a recorded stream, by Unique-ID. */
function recordedHangups(name: string): Map<string, Record<string, string>> {
  const events = new FrameParser().push(readFileSync(join(DIR, name))).map(eventOf);
  return new Map(events.filter((e) => e?.['Event-Name'] === 'CHANNEL_HANGUP_COMPLETE').map((e) => [e?.['Unique-ID'] ?? '', e ?? {}]));
}

describe('ESL inbound monitor', () => {
  it('authenticates, subscribes, enriches only screened calls', async () => {
    const fs = new InboundEventServer('ClueCon');
    await fs.start();
    const seen: Array<[string, CallEnrichment]> = [];
    const m = monitor(fs.port, 'ClueCon', seen);
    m.start();
    await waitFor(() => m.status().state === 'ready');
    await waitFor(() => fs.authenticatedClients === 1);
    await new Promise((r) => setTimeout(r, 50));
    fs.publish(hangupComplete('other-call'));
    fs.publish(hangupComplete('screened-1'));
    await waitFor(() => seen.length === 1);
    expect(seen[0]).toEqual(['screened-1', { answered: true, answeredBy: '1000', talkSeconds: 42, hangupCause: 'NORMAL_CLEARING' }]);
    m.stop();
    expect(m.status().state).toBe('closed');
    await fs.stop();
  });

  it('a wrong password: -ERR invalid, the status says so and it keeps retrying', async () => {
    const fs = new InboundEventServer('ClueCon');
    await fs.start();
    const m = monitor(fs.port, 'wrong', []);
    m.start();
    await waitFor(() => fs.connectionsAccepted >= 3 && m.status().state === 'reconnecting');
    const s = m.status();
    // what the operator reads: the password was refused (not a vague "closed by peer")
    expect(s.state === 'reconnecting' && s.lastError).toMatch(/^authentication refused: -ERR invalid/);
    expect(fs.authenticatedClients).toBe(0);
    m.stop();
    await fs.stop();
  });

  it('reconnects after FreeSWITCH restarts', async () => {
    const fs = new InboundEventServer('ClueCon');
    await fs.start();
    const port = fs.port;
    const m = monitor(port, 'ClueCon', []);
    m.start();
    await waitFor(() => m.status().state === 'ready');
    await fs.stop();
    await waitFor(() => m.status().state === 'reconnecting');
    const again = new InboundEventServer('ClueCon');
    await again.start(port);
    await waitFor(() => m.status().state === 'ready');
    m.stop();
    await again.stop();
  });

  it('backs off exponentially with jitter, capped', () => {
    for (let attempt = 1; attempt < 30; attempt++) {
      const d = defaultRetryDelay(attempt);
      expect(d).toBeLessThanOrEqual(15_000);
      expect(d).toBeGreaterThanOrEqual(Math.min(15_000, 250 * 2 ** attempt) / 2);
    }
  });

  it('the recorded screened call was answered by the dial plan but never bridged: nobody picked up', () => {
    // esl-inbound-events-plain: extension 1000 answers, runs the socket app (chut's place), then a tone and a hang-up.
    // Caller-Channel-Answered-Time and billsec (6) are set; Caller-Channel-Bridged-Time is 0. The same call over SIP too.
    for (const [name, screened] of [['esl-inbound-events-plain.s2c.raw', 'aad4a0a1-6460-4301-af97-118ec520c3bf'],
      ['esl-inbound-events-plain-sip.s2c.raw', '87d2cb21-7d17-4f6f-b19b-23a83c0b985b']]) {
      const event = recordedHangups(name as string).get(screened as string);
      expect(Number(event?.['Caller-Channel-Answered-Time'])).toBeGreaterThan(0);
      expect(event?.['Caller-Channel-Bridged-Time']).toBe('0');
      expect(enrichmentFrom(event ?? {})).toEqual({ answered: false, answeredBy: null, talkSeconds: null, hangupCause: 'NORMAL_CLEARING' });
    }
  });

  it('a bridged call: answered by the bridged extension, talk time from the bridge to the hang-up (not billsec)', () => {
    // The recorded call's event with what FreeSWITCH adds once `bridge` connects a phone that picked up
    // (switch_ivr_bridge.c: the bridge time, last_bridge_to; the callee id sent to the caller): answered at
    // …590.411208 (chut's captcha), bridged 20.5 s later, hung up 61.4 s after the bridge.
    const recorded = recordedHangups('esl-inbound-events-plain.s2c.raw').get('aad4a0a1-6460-4301-af97-118ec520c3bf') ?? {};
    const bridged = {
      ...recorded, 'Caller-Channel-Bridged-Time': '1795889610911208', 'Caller-Channel-Hangup-Time': '1795889672311208',
      variable_bridge_uepoch: '1795889610911208', variable_end_uepoch: '1795889672311208', variable_billsec: '82',
      variable_last_bridge_to: '0a30dd7c-c222-482f-a322-b1218a15f8cd', variable_last_sent_callee_id_number: '1000',
      'Other-Leg-Destination-Number': '1000',
    };
    expect(enrichmentFrom(bridged)).toEqual({ answered: true, answeredBy: '1000', talkSeconds: 61, hangupCause: 'NORMAL_CLEARING' });
    // Only the variables (a CHANNEL_HANGUP_COMPLETE without the profile's times), and no callee id sent
    const { 'Caller-Channel-Bridged-Time': _b, 'Caller-Channel-Hangup-Time': _h, variable_last_sent_callee_id_number: _c, ...variables } = bridged;
    expect(enrichmentFrom(variables)).toEqual({ answered: true, answeredBy: '1000', talkSeconds: 61, hangupCause: 'NORMAL_CLEARING' });
  });

  it('an unanswered call has no talk time and no answerer', () => {
    expect(enrichmentFrom({ 'Caller-Channel-Answered-Time': '0', 'Hangup-Cause': 'ORIGINATOR_CANCEL', variable_billsec: '0' }))
      .toEqual({ answered: false, answeredBy: null, talkSeconds: null, hangupCause: 'ORIGINATOR_CANCEL' });
  });
});
