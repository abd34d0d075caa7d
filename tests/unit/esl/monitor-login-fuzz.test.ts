/**
 * The inbound monitor's login against mutated FreeSWITCH answers, over loopback: the fake FreeSWITCH
 * (tests/fakes/esl, answerInboundLogins) sends, in place of the `auth/request` greeting and of the replies to `auth` and
 * to the event subscription, the recorded frames of esl-inbound-auth.txt mutated with a seeded PRNG: bytes flipped or
 * cut, a wrong Content-Length, another recorded frame in a step's place (a `-ERR`, a disconnect notice, a HEARTBEAT
 * before the reply: replies out of order), a frame more after it, values with invisible characters. Only the first
 * connection of each case gets them; FreeSWITCH answers the next ones as usual.
 *
 * Checked for every case: the process neither throws nor leaves a rejection unhandled; the monitor either logs in or
 * ends the connection with a warning naming why (a refusal, a protocol error, the login deadline), and is logged in on
 * a connection that reads events soon after (an event FreeSWITCH then sends is handled); every warning and error shows
 * what FreeSWITCH sent with its invisible characters escaped. The events after the login are fuzzed on chut's real
 * wiring in tests/protocol/esl-inbound-fuzz.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { InboundMonitor } from '../../../src/esl/monitor.js';
import { createLogger } from '../../../src/logger.js';
import { FakeFreeSwitch, type LoginStep } from '../../fakes/esl/index.js';
import { holdsInvisible } from '../../helpers/invisible.js';
import { processFaults } from '../../helpers/process-faults.js';
import { prng } from '../../helpers/prng.js';
import { until } from '../../helpers/until.js';
import {
  BYTE_MUTATIONS, int, invisibleInValue, mutate, pick, replaceName, replaceValue, wrongContentLength, type Rand,
} from '../../helpers/mutate.js';
import { transcriptRecords } from './transcript.js';

const PASSWORD = 'S3cret-ClueCon';
/** What FreeSWITCH sent over the three connections of esl-inbound-auth.txt, frame by frame (see its README). */
const RECORDED = transcriptRecords('esl-inbound-auth.s2c.raw');
const recorded = (text: string): Buffer => RECORDED.find((f) => f.toString('latin1').startsWith(text)) as Buffer;
/** FreeSWITCH's recorded answers at each login step: the greeting; `+OK accepted` or, to a wrong password, `-ERR invalid`;
 * `+OK event listener enabled plain` or, to an event name it does not know, `-ERR no keywords supplied`. The first is
 * what a good login gets. */
const ANSWERS: Record<LoginStep, readonly Buffer[]> = {
  'auth/request': [recorded('Content-Type: auth/request\n')],
  'reply to auth': [recorded('Content-Type: command/reply\nReply-Text: +OK accepted\n'), recorded('Content-Type: command/reply\nReply-Text: -ERR invalid\n')],
  'reply to event': [recorded('Content-Type: command/reply\nReply-Text: +OK event listener enabled plain\n'),
    recorded('Content-Type: command/reply\nReply-Text: -ERR no keywords supplied\n')],
};
const VALUES = replaceValue(['', '%', '%0A%0A', '-ERR', '+OK', '-ERR invalid', 'auth/request', 'command/reply', 'api/response',
  'text/rude-rejection', 'text/disconnect-notice', 'text/event-plain', 'text/event-json']);
const MUTATIONS = [...BYTE_MUTATIONS, wrongContentLength, replaceName(['Content-Type', 'Content-Length', 'Reply-Text', 'Event-Name', '__proto__']),
  VALUES, VALUES, invisibleInValue, invisibleInValue];

const STEPS = Object.keys(ANSWERS) as LoginStep[];

/** A mangled login step: one of its recorded answers, or another recorded frame in its place (replies out of order), maybe
 * one more after it, mutated most of the time. */
function mangled(rand: Rand, step: LoginStep): Buffer {
  const frames = [rand() < 0.7 ? pick(rand, ANSWERS[step]) : pick(rand, RECORDED)];
  if (rand() < 0.25) frames.push(pick(rand, RECORDED));
  const bytes = Buffer.concat(frames);
  return rand() < 0.85 ? mutate(bytes, rand, MUTATIONS, int(rand, 1, 2)).bytes : bytes;
}

/** What a case's first connection is sent at each step: one step mangled, the others as recorded (all three now and then),
 * so that the cases spread over the three steps (a mangled greeting alone would end most logins at once). */
function loginAnswers(rand: Rand): Record<LoginStep, Buffer> {
  const target = rand() < 0.1 ? null : pick(rand, STEPS);
  return Object.fromEntries(STEPS.map((step) => [step, target === null || target === step ? mangled(rand, step) : ANSWERS[step][0]])) as Record<LoginStep, Buffer>;
}

interface LogLine { level: number; msg: string; reason?: string }

const faults = processFaults();
const lines: LogLine[] = [];
const logger = createLogger('info', { write: (line: string) => { lines.push(JSON.parse(line) as LogLine); } });
const sims: FakeFreeSwitch[] = [];
afterAll(async () => {
  await Promise.all(sims.map((sim) => sim.stop()));
});

/** One seeded case on `sim`: the monitor's first connection gets mutated login frames; the monitor must be logged in soon
 * after, on that connection or a later one, and handle an event FreeSWITCH sends then. */
async function loginCase(sim: FakeFreeSwitch, seed: number): Promise<void> {
  const rand = prng(seed);
  const answers = loginAnswers(rand);
  const first = sim.inbound.connectionsAccepted + 1;
  sim.answerInboundLogins((step, usual) => (sim.inbound.connectionsAccepted === first ? answers[step] : usual));
  const enriched: string[] = [];
  const monitor = new InboundMonitor({
    host: '127.0.0.1', port: sim.inbound.port, password: PASSWORD, logger: logger.child({ seed }),
    isScreened: () => true, enrich: async (id) => { enriched.push(id); },
    loginTimeoutMs: 200, silenceTimeoutMs: 1000, retryDelayMs: () => 5,
  });
  const where = `seed ${seed}`;
  try {
    monitor.start();
    await until(() => monitor.status().state === 'ready' && sim.inbound.hasSubscribers, `${where}: logged in`, 10_000);
    // A login whose last frame left the stream out of step (a reply with a Content-Length more than came) reads this
    // event as part of that frame: the liveness deadline then ends the connection, and a later event is read.
    let sent = 0;
    const hangUp = (): void => {
      sim.inbound.publish([['Event-Name', 'CHANNEL_HANGUP_COMPLETE'], ['Unique-ID', `${seed}-${++sent}`], ['Hangup-Cause', 'NORMAL_CLEARING']]);
    };
    hangUp();
    const every = setInterval(hangUp, 100);
    try {
      await until(() => enriched.length > 0, `${where}: an event handled`, 10_000);
    } finally {
      clearInterval(every);
    }
  } finally {
    monitor.stop();
    sim.answerInboundLogins(null);
  }
}

describe('ESL inbound monitor: mutated login answers', () => {
  it('160 seeded logins, 8 at a time: each ends logged in, soon reading events, every warning with invisible characters shown', { timeout: 60_000 }, async () => {
    const lanes = 8;
    const perLane = 20;
    for (let i = 0; i < lanes; i++) {
      const sim = new FakeFreeSwitch({ password: PASSWORD, heartbeatMs: 100 });
      await sim.start();
      sims.push(sim);
    }
    await Promise.all(sims.map(async (sim, lane) => {
      for (let n = 0; n < perLane; n++) await loginCase(sim, 0x10a1 * 1000 + lane * perLane + n);
    }));
    expect(faults).toEqual([]);
    const said = lines.filter((l) => l.level >= 40);
    expect(new Set(said.map((l) => l.msg.startsWith('FreeSWITCH\'s event socket refused chut\'s address') ? 'ACL' : l.msg)))
      .toEqual(new Set(['ESL monitor disconnected', 'ACL']));
    expect(JSON.stringify(lines)).not.toContain(PASSWORD);
    for (const l of said) {
      expect(holdsInvisible(l.msg), JSON.stringify(l)).toBe(false);
      expect(holdsInvisible(l.reason ?? ''), JSON.stringify(l)).toBe(false);
    }
    // the ways a login ends that the mutations reach (a sample of each is enough to show the cases are not all alike)
    const reasons = said.map((l) => l.reason ?? l.msg);
    for (const kind of [/^protocol error: /, /^authentication refused: /, /^event subscription refused/, /^no auth\/request within /,
      /^no reply to auth within /, /^rejected by FreeSWITCH's event socket ACL /]) {
      expect(reasons.some((r) => kind.test(r)), String(kind)).toBe(true);
    }
    expect(lines.filter((l) => l.msg === 'enrichment failed')).toEqual([]);
  });
});
