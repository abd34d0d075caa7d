import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventOf, FrameParser } from '../../../src/esl/frame.js';
import { defaultRetryDelay, enrichmentFrom, InboundMonitor } from '../../../src/esl/monitor.js';
import { dialledFor, PickupLog } from '../../../src/esl/pickup.js';
import { createLogger, silentLogger } from '../../../src/logger.js';
import { InboundEventServer } from '../../../src/sim/esl/inbound.js';
import { rudeRejection } from '../../../src/sim/esl/frames.js';
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

const T0 = 1795889590411208;
/** The screened leg's hang-up, 42.6 s after T0 (the times FreeSWITCH writes, in µs). */
const hangupComplete = (id: string, extra: Array<[string, string]> = []): Array<[string, string]> => [
  ['Event-Name', 'CHANNEL_HANGUP_COMPLETE'], ['Unique-ID', id], ['Hangup-Cause', 'NORMAL_CLEARING'],
  ['Caller-Channel-Answered-Time', String(T0)], ['Caller-Channel-Hangup-Time', String(T0 + 42_600_000)],
  ['variable_billsec', '43'], ...extra,
];
/** The CHANNEL_ANSWER of a leg the call `originator` dialled (extension 1000), answering at T0 + `atS` seconds. */
const legAnswer = (originator: string, atS: number, destination = '1000'): Array<[string, string]> => [
  ['Event-Name', 'CHANNEL_ANSWER'], ['Event-Date-Timestamp', String(T0 + atS * 1e6)], ['Unique-ID', `leg-of-${originator}`],
  ['Caller-Destination-Number', destination], ['Caller-Channel-Answered-Time', String(T0 + atS * 1e6)],
  ['Other-Type', 'originator'], ['Other-Leg-Unique-ID', originator], ['variable_originator', originator],
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
    fs.publish(legAnswer('other-call', 0.6));
    fs.publish(hangupComplete('other-call'));
    fs.publish(legAnswer('screened-1', 0.6));
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
    expect(s.state === 'reconnecting' && s.lastError).toMatch(/^authentication refused: "-ERR invalid"/);
    expect(fs.authenticatedClients).toBe(0);
    m.stop();
    await fs.stop();
  });

  it('a refusal of the password quotes FreeSWITCH\'s reply with its invisible characters shown', async () => {
    // A Reply-Text is url-decoded: a bidi override (U+202E) turns `-ERR dilavni` into `-ERR invalid` on screen, and an
    // ESC sequence recolours a terminal; both reached the warning and the status as sent.
    const fs = new InboundEventServer('ClueCon');
    fs.loginAnswers = (step, usual) => (step === 'reply to auth' ? 'Content-Type: command/reply\nReply-Text: -ERR %E2%80%AEdilavni%1B[0m\n\n' : usual);
    await fs.start();
    const m = monitor(fs.port, 'ClueCon', []);
    m.start();
    await waitFor(() => m.status().state === 'reconnecting');
    const s = m.status();
    expect(s.state === 'reconnecting' && s.lastError).toBe('authentication refused: "-ERR \\u202edilavni\\u001b[0m" (not authenticated)');
    m.stop();
    await fs.stop();
  });

  it.each([
    ['empty', '', '""'],
    ['line breaks only', '%0A%0A', '"\\u000a\\u000a"'],
    ['-ERR behind a bidi override', '%E2%80%AE-ERR', '"\\u202e-ERR"'],
  ])('a reply to auth without FreeSWITCH\'s +OK (%s) is a refusal: not logged in, the status quotes it', async (_what, replyText, shown) => {
    // Such a reply used to count as `+OK accepted`: the monitor subscribed and said it was connected.
    const fs = new InboundEventServer('ClueCon');
    fs.loginAnswers = (step, usual) => (step === 'reply to auth' ? `Content-Type: command/reply\nReply-Text: ${replyText}\n\n` : usual);
    await fs.start();
    const m = monitor(fs.port, 'ClueCon', []);
    m.start();
    await waitFor(() => fs.connectionsAccepted >= 2 && m.status().state === 'reconnecting');
    const s = m.status();
    expect(s.state === 'reconnecting' && s.lastError).toBe(`authentication refused: ${shown} (not authenticated)`);
    expect(fs.hasSubscribers).toBe(false);
    m.stop();
    await fs.stop();
  });

  it('a reply to the event subscription without FreeSWITCH\'s +OK is a refusal, quoted with its invisible characters shown', async () => {
    const fs = new InboundEventServer('ClueCon');
    fs.loginAnswers = (step, usual) => (step === 'reply to event' ? 'Content-Type: command/reply\nReply-Text: %E2%80%AE-ERR no keywords supplied\n\n' : usual);
    await fs.start();
    const m = monitor(fs.port, 'ClueCon', []);
    m.start();
    await waitFor(() => fs.connectionsAccepted >= 2 && m.status().state === 'reconnecting');
    const s = m.status();
    expect(s.state === 'reconnecting' && s.lastError).toBe('event subscription refused: "\\u202e-ERR no keywords supplied" (logged in, not subscribed to events)');
    m.stop();
    await fs.stop();
  });

  it('a text/rude-rejection after the login is a stream out of step, not the ACL: a protocol error, no advice to fix the ACL, logged in again', async () => {
    // FreeSWITCH sends it only at connect, before auth/request, to an address its apply-inbound-acl denies. Read on a
    // logged-in connection, it told the administrator to fix an ACL that had let chut in.
    const fs = new InboundEventServer('ClueCon');
    await fs.start();
    const lines: Array<{ level: number; msg: string; reason?: string }> = [];
    const m = new InboundMonitor({
      host: '127.0.0.1', port: fs.port, password: 'ClueCon', logger: createLogger('info', { write: (line: string) => { lines.push(JSON.parse(line) as (typeof lines)[number]); } }),
      isScreened: () => true, enrich: async () => undefined, retryDelayMs: () => 30,
    });
    m.start();
    await waitFor(() => m.status().state === 'ready' && fs.hasSubscribers);
    expect(fs.writeRaw(rudeRejection())).toBe(1);
    await waitFor(() => lines.some((l) => l.msg === 'ESL monitor disconnected'));
    await waitFor(() => m.status().state === 'ready' && fs.connectionsAccepted === 2);
    const disconnected = lines.filter((l) => l.msg === 'ESL monitor disconnected');
    expect(disconnected).toHaveLength(1);
    expect(disconnected[0]?.reason).toBe('protocol error: text/rude-rejection after auth/request (FreeSWITCH sends one only before it, '
      + 'to an address its ACL refuses): the stream is out of step');
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(JSON.stringify(lines)).not.toMatch(/apply-inbound-acl|reloadacl/);
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

  it('the recorded screened call was answered by the dial plan but no leg it dialled answered: nobody picked up', () => {
    // esl-inbound-events-plain: extension 1000 answers, runs the socket app (chut's place), then a tone and a hang-up.
    // Caller-Channel-Answered-Time and billsec (6) are set; nothing was dialled. The same call over SIP too.
    for (const [name, screened] of [['esl-inbound-events-plain.s2c.raw', 'aad4a0a1-6460-4301-af97-118ec520c3bf'],
      ['esl-inbound-events-plain-sip.s2c.raw', '87d2cb21-7d17-4f6f-b19b-23a83c0b985b']]) {
      const event = recordedHangups(name as string).get(screened as string);
      expect(Number(event?.['Caller-Channel-Answered-Time'])).toBeGreaterThan(0);
      expect(enrichmentFrom(event ?? {}, null)).toEqual({ answered: false, answeredBy: null, talkSeconds: null, hangupCause: 'NORMAL_CLEARING' });
    }
  });

  it('an unanswered call has no talk time and no answerer', () => {
    expect(enrichmentFrom({ 'Caller-Channel-Answered-Time': '0', 'Hangup-Cause': 'ORIGINATOR_CANCEL', variable_billsec: '0' }, null))
      .toEqual({ answered: false, answeredBy: null, talkSeconds: null, hangupCause: 'ORIGINATOR_CANCEL' });
  });
});

/** A monitor logged in to a simulated event socket; `seen` gets every enrichment. */
async function withMonitor(run: (fs: InboundEventServer, seen: Array<[string, CallEnrichment]>) => Promise<void>): Promise<void> {
  const fs = new InboundEventServer('ClueCon');
  await fs.start();
  const seen: Array<[string, CallEnrichment]> = [];
  const m = monitor(fs.port, 'ClueCon', seen);
  m.start();
  try {
    await waitFor(() => m.status().state === 'ready');
    await run(fs, seen);
  } finally {
    m.stop();
    await fs.stop();
  }
}

/** The enrichment the monitor gives `id` once its hang-up is published. */
async function enrichmentOf(seen: Array<[string, CallEnrichment]>, id: string): Promise<CallEnrichment | undefined> {
  await waitFor(() => seen.some(([callId]) => callId === id));
  return seen.find(([callId]) => callId === id)?.[1];
}

describe('ESL inbound monitor: answered means a leg the call dialled picked up (FreeSWITCH 1.10 source)', () => {
  it('early media: the bridge to a callee sending 183 + SDP starts while it rings; nobody answers: not answered', async () => {
    // switch_ivr_originate returns on early media (ignore_early_media unset) and switch_ivr_multi_threaded_bridge sets
    // the caller's bridge time for a peer with CF_EARLY_MEDIA: Bridged-Time and bridge_uepoch are the start of 25 s of
    // carrier ringback. The caller gives up (ORIGINATOR_CANCEL); the callee never sends CHANNEL_ANSWER.
    await withMonitor(async (fs, seen) => {
      fs.publish([
        ['Event-Name', 'CHANNEL_HANGUP_COMPLETE'], ['Unique-ID', 'screened-early'], ['Hangup-Cause', 'ORIGINATOR_CANCEL'],
        ['Caller-Channel-Answered-Time', '0'], ['Caller-Channel-Progress-Media-Time', String(T0 + 2e6)],
        ['Caller-Channel-Hangup-Time', String(T0 + 27e6)], ['Caller-Channel-Bridged-Time', String(T0 + 2e6)],
        ['variable_last_sent_callee_id_number', '0612345678'], ['variable_bridge_uepoch', String(T0 + 2e6)],
        ['variable_end_uepoch', String(T0 + 27e6)],
      ]);
      expect(await enrichmentOf(seen, 'screened-early')).toEqual({ answered: false, answeredBy: null, talkSeconds: null, hangupCause: 'ORIGINATOR_CANCEL' });
    });
  });

  it('answered, then transferred to an extension that does not bridge: answered by the phone that picked up, talk time from the pickup', async () => {
    // switch_channel_set_caller_profile carries answered/progress/hung-up over to the transfer's new profile, not the
    // bridge time: the hang-up says Bridged-Time 0 and bridge_uepoch 0. The receptionist's leg answered 5 s in.
    await withMonitor(async (fs, seen) => {
      fs.publish(legAnswer('screened-xfer', 5, '1001'));
      fs.publish(hangupComplete('screened-xfer', [['Caller-Channel-Bridged-Time', '0'], ['variable_bridge_uepoch', '0'],
        ['Caller-Channel-Hangup-Time', String(T0 + 95e6)], ['variable_last_sent_callee_id_number', '7000']]));
      expect(await enrichmentOf(seen, 'screened-xfer')).toEqual({ answered: true, answeredBy: '1001', talkSeconds: 90, hangupCause: 'NORMAL_CLEARING' });
    });
  });

  it('a captcha chut answered, then an early-media bridge the callee answers 20 s later: talk time from that answer', async () => {
    await withMonitor(async (fs, seen) => {
      // chut's own answer of the screened leg (no originator): not a pickup
      fs.publish([['Event-Name', 'CHANNEL_ANSWER'], ['Unique-ID', 'screened-captcha'], ['Caller-Channel-Answered-Time', String(T0)]]);
      fs.publish(legAnswer('screened-captcha', 20.6));
      // a second leg of the same call answering later (a transfer that bridged again) does not move the pickup
      fs.publish(legAnswer('screened-captcha', 30, '2000'));
      fs.publish(hangupComplete('screened-captcha', [['Caller-Channel-Bridged-Time', String(T0 + 8e6)]]));
      expect(await enrichmentOf(seen, 'screened-captcha')).toEqual({ answered: true, answeredBy: '1000', talkSeconds: 22, hangupCause: 'NORMAL_CLEARING' });
      // a pickup is forgotten with its call: the same id hanging up again (another record) is not answered
      fs.publish(hangupComplete('screened-captcha'));
      await waitFor(() => seen.length === 2);
      expect(seen[1]?.[1].answered).toBe(false);
    });
  });
});

/** The CHANNEL_ANSWER of a leg dialled without the caller's session (switch_ivr_originate(NULL, …)): no `originator`,
 * no other leg's profile; `link` is the variable that names the caller (FreeSWITCH 1.10 source). */
const unlinkedLegAnswer = (link: Array<[string, string]>, atS: number, destination = '1000'): Array<[string, string]> => [
  ['Event-Name', 'CHANNEL_ANSWER'], ['Event-Date-Timestamp', String(T0 + atS * 1e6)], ['Unique-ID', `leg-${link[0]?.[1]}`],
  ['Call-Direction', 'outbound'], ['Caller-Destination-Number', destination], ['Caller-Channel-Answered-Time', String(T0 + atS * 1e6)],
  ['variable_direction', 'outbound'], ...link,
];

describe('ESL inbound monitor: legs dialled without the caller\'s session (no variable_originator)', () => {
  it('enterprise originate (`:_:`, group_call +E): the branch that answers names the caller in ent_originate_aleg_uuid', async () => {
    // switch_ivr_enterprise_originate: switch_ivr_originate(NULL, …) per branch, ent_originate_aleg_uuid and
    // ignore_early_media=true in its variables; the bridge comes after the answer (the A-leg's bridge time is then the pickup).
    await withMonitor(async (fs, seen) => {
      fs.publish(unlinkedLegAnswer([['variable_ent_originate_aleg_uuid', 'screened-ent'], ['variable_ignore_early_media', 'true'],
        ['variable_originating_leg_uuid', 'screened-ent']], 20, '0612345678'));
      fs.publish(hangupComplete('screened-ent', [['Caller-Channel-Bridged-Time', String(T0 + 20e6)], ['Caller-Channel-Hangup-Time', String(T0 + 95e6)]]));
      expect(await enrichmentOf(seen, 'screened-ent')).toEqual({ answered: true, answeredBy: '0612345678', talkSeconds: 75, hangupCause: 'NORMAL_CLEARING' });
    });
  });

  it('a mod_callcenter agent: cc_member_session_uuid names the waiting caller; the queue\'s own answer of the caller is not a pickup', async () => {
    await withMonitor(async (fs, seen) => {
      // `callcenter` answers the member's leg when it enters the queue
      fs.publish([['Event-Name', 'CHANNEL_ANSWER'], ['Unique-ID', 'screened-cc'], ['Caller-Channel-Answered-Time', String(T0 + 3e6)],
        ['variable_cc_queue', 'support@default']]);
      // the callback agent, originated with cc_member_session_uuid, answers 30 s in; uuid_bridge follows
      fs.publish(unlinkedLegAnswer([['variable_cc_member_session_uuid', 'screened-cc'], ['variable_cc_member_uuid', 'member-1'],
        ['variable_cc_side', 'agent'], ['variable_cc_agent', '1001@default']], 30, '1001'));
      fs.publish(hangupComplete('screened-cc', [['Caller-Channel-Hangup-Time', String(T0 + 90e6)]]));
      expect(await enrichmentOf(seen, 'screened-cc')).toEqual({ answered: true, answeredBy: '1001', talkSeconds: 60, hangupCause: 'NORMAL_CLEARING' });
    });
  });

  it('a mod_fifo ringall member: fifo_bridge_uuid names the caller it was dialled for', async () => {
    await withMonitor(async (fs, seen) => {
      fs.publish(unlinkedLegAnswer([['variable_fifo_bridge_uuid', 'screened-fifo'], ['variable_fifo_outbound_uuid', 'member-7'],
        ['variable_fifo_name', 'sales']], 12, '1007'));
      fs.publish(hangupComplete('screened-fifo'));
      expect(await enrichmentOf(seen, 'screened-fifo')).toMatchObject({ answered: true, answeredBy: '1007', talkSeconds: 31 });
    });
  });

  it('a leg that names no call (an agent\'s own call, a uuid-standby agent) is not a pickup', async () => {
    await withMonitor(async (fs, seen) => {
      fs.publish(unlinkedLegAnswer([['variable_fifo_outbound_uuid', 'member-7']], 12, '1007'));
      fs.publish(hangupComplete('screened-none'));
      expect(await enrichmentOf(seen, 'screened-none')).toMatchObject({ answered: false, answeredBy: null, talkSeconds: null });
    });
  });
});

describe('PickupLog', () => {
  it('keeps the first answer of a screened call\'s dialled legs only, and at most `max` calls', () => {
    const log = new PickupLog(2);
    const screened = (id: string) => id.startsWith('screened-');
    log.answered(Object.fromEntries(legAnswer('unscreened', 1)), screened);
    expect(log.size).toBe(0);
    for (const id of ['screened-1', 'screened-2', 'screened-3']) log.answered(Object.fromEntries(legAnswer(id, 1)), screened);
    expect(log.size).toBe(2);
    expect(log.take('screened-1')).toBeNull();
    expect(log.take('screened-3')).toEqual({ atMicros: T0 + 1e6, by: '1000' });
    expect(log.size).toBe(1);
  });

  it('links a leg to its call by the first of originator, ent_originate_aleg_uuid, cc_member_session_uuid, fifo_bridge_uuid', () => {
    const screened = (id: string) => id.startsWith('screened-');
    const answer = (vars: Record<string, string>, id = 'leg'): Record<string, string> => ({
      'Event-Name': 'CHANNEL_ANSWER', 'Unique-ID': id, 'Caller-Destination-Number': '1000', 'Caller-Channel-Answered-Time': String(T0), ...vars });
    expect(dialledFor(answer({ variable_originator: 'a', variable_ent_originate_aleg_uuid: 'b', variable_cc_member_session_uuid: 'c' }))).toBe('a');
    expect(dialledFor(answer({ variable_ent_originate_aleg_uuid: 'b', variable_cc_member_session_uuid: 'c', variable_fifo_bridge_uuid: 'd' }))).toBe('b');
    expect(dialledFor(answer({ variable_originator: '', variable_cc_member_session_uuid: 'c', variable_fifo_bridge_uuid: 'd' }))).toBe('c');
    expect(dialledFor(answer({ variable_fifo_bridge_uuid: 'd' }))).toBe('d');
    expect(dialledFor(answer({}))).toBeUndefined();
    const log = new PickupLog();
    // a leg another leg dialled (originator set, not screened) is not the screened call's, whatever else it carries
    log.answered(answer({ variable_originator: 'agent-leg', variable_cc_member_session_uuid: 'screened-1' }), screened);
    // a screened leg's own answer naming itself (a queue's variables on the caller's leg) is not a pickup
    log.answered(answer({ variable_cc_member_session_uuid: 'screened-2' }, 'screened-2'), screened);
    expect(log.size).toBe(0);
    log.answered(answer({ variable_cc_member_session_uuid: 'screened-2' }), screened);
    expect(log.take('screened-2')).toEqual({ atMicros: T0, by: '1000' });
  });
});
