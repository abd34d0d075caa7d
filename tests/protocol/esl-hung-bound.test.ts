/**
 * chut.xml's bound on a hung chut. The simulated FreeSWITCH runs chut-screen as chut.xml writes it (`set
 * chut_screened=true`, `set chut_bound=10`, `sched_transfer +${chut_bound} ${destination_number} XML ${context}`,
 * `socket`, `sched_cancel`) on a scheduler whose second is shrunk here, so the bound of 10 passes in 9 to 10 of them.
 * Where chut must delete the bound before it fires, a second lasts SECOND (chut then has over 2 s for a sched_del it
 * sends within milliseconds); where the bound must fire first, FAST_SECOND. Whether a deleted bound would have cut
 * a captcha, a message or a transfer is not left to their length: the scheduler's clock jumps past the bound in the
 * middle of them (jumpClockOn). Modelled on FreeSWITCH's source; not run against a real FreeSWITCH.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainCommand } from '../../src/esl/command.js';
import { createLogger } from '../../src/logger.js';
import { FEATURE_TONES } from '../../src/esl/session.js';
import { CHUT_XML_BOUND_S, CHUT_XML_FEATURE_BOUND_S, type EslOutcome } from '../../src/sim/esl/index.js';
import { FakeFreeSwitch } from '../fakes/esl/index.js';
import { call, recordOf, startHarness, type Harness } from '../fakes/esl/harness.js';
import { scripted } from '../fakes/esl/scripted.js';

/** One scheduler second where chut must act before the bound fires (9 of them at least). */
const SECOND = 250;
/** One scheduler second where the bound must fire (chut hung, or deciding on purpose too late). */
const FAST_SECOND = 40;
/** The captcha bound chut re-arms with the harness's captcha settings (2 attempts, 1000/500 ms, 4 digits). */
const CAPTCHA_BOUND_S = 85;

/** A listener that accepts every connection and never sends a byte: what a stopped chut looks like from FreeSWITCH
 * (the kernel completes the handshake). `close: true` closes each connection at once instead, without `connect`. */
async function hungListener(opts: { close?: boolean } = {}): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    s.on('error', () => undefined);
    if (opts.close) return void s.destroy();
    sockets.add(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function withSim<T>(opts: ConstructorParameters<typeof FakeFreeSwitch>[0], body: (sim: FakeFreeSwitch) => Promise<T>): Promise<T> {
  const sim = new FakeFreeSwitch({ mediaMs: 10, schedulerSecondMs: FAST_SECOND, ...opts });
  await sim.start();
  try {
    return await body(sim);
  } finally {
    await sim.stop();
  }
}

describe('a hung chut: the dial plan bound rings the call', () => {
  it('chut accepts the connection and never sends connect (stopped, event loop blocked, paused): the call rings after the bound', async () => {
    const hung = await hungListener();
    try {
      await withSim({ chutPort: hung.port }, async (sim) => {
        const started = Date.now();
        const out = await sim.placeCall(call({ maxDurationMs: 3000 }));
        expect(out.route).toBe('ring');
        expect(out.boundTransfers).toBe(1);
        expect(out.answered).toBe(false);
        expect(Date.now() - started).toBeGreaterThanOrEqual((CHUT_XML_BOUND_S - 1) * FAST_SECOND - 5);
      });
    } finally {
      await hung.stop();
    }
  });

  it('without the bound (a chut.xml from before it) the same hang is dead air until the caller gives up', async () => {
    const hung = await hungListener();
    try {
      await withSim({ chutPort: hung.port, dialplanBound: null }, async (sim) => {
        const out = await sim.placeCall(call({ maxDurationMs: 20 * FAST_SECOND }));
        expect(out.route).toBe('dead-air');
        expect(out.boundTransfers).toBe(0);
      });
    } finally {
      await hung.stop();
    }
  });

  it('a program that accepts and closes without connect (the old known gap) rings after the bound too', async () => {
    const closer = await hungListener({ close: true });
    try {
      await withSim({ chutPort: closer.port }, async (sim) => {
        const out = await sim.placeCall(call({ maxDurationMs: 3000 }));
        expect(out.route).toBe('ring');
        expect(out.boundTransfers).toBe(1);
      });
    } finally {
      await closer.stop();
    }
  });

  it('chut answers connect and then stops responding: the parked call rings after the bound', async () => {
    await withSim({}, async (sim) => {
      const r = await scripted(sim, call({ maxDurationMs: 3000 }), [plainCommand('myevents'), plainCommand('linger 5')]);
      expect(r.out.route).toBe('ring');
      expect(r.out.boundTransfers).toBe(1);
      // the socket app's own completion reaches the (silent) chut: the call left it
      expect(r.completions).toContainEqual({ app: 'socket', response: '_none_' });
    });
  });

  it('chut hangs in the middle of a captcha after re-arming the bound: the answered call rings once the captcha bound passes', async () => {
    // a prompt that would play for a minute: only the re-armed bound, whose time comes during it, can end it
    await withSim({ mediaMs: 60_000 }, async (sim) => {
      sim.jumpClockOn('playback', 15);
      const r = await scripted(sim, call({ dialled: '2001', maxDurationMs: 5000 }), (data) => [
        plainCommand('myevents'),
        plainCommand('linger 5'),
        plainCommand(`api sched_del ${data['Unique-ID']}`),
        plainCommand(`api sched_transfer +15 ${data['Unique-ID']} 2001 XML public`),
        'sendmsg\ncall-command: execute\nexecute-app-name: answer\nevent-lock: true\n\n',
        'sendmsg\ncall-command: execute\nexecute-app-name: playback\nexecute-app-arg: ivr/ivr-please_enter_the.wav\nevent-lock: true\n\n',
      ]);
      expect(r.apiBodies).toEqual(['+OK Deleted: 1\n', '+OK\n']);
      expect(r.out.answered).toBe(true);
      expect(r.out.route).toBe('ring');
      expect(r.out.boundTransfers).toBe(1);
      // the prompt in progress was cut by the transfer, not played to its end
      expect(r.completions).toContainEqual({ app: 'playback', response: 'PLAYBACK ERROR' });
    });
  });
});

// *77/*78 had no bound: a hung chut left the phone in silence until the user hung up. chut.xml bounds them as it
// bounds a screened call, and the bound brings the call back to its own extension, which says nothing was reported.
describe('a feature code (*77, *78) and a hung chut', () => {
  const press = (dialled: string) => call({ callerNumber: '1000', dialled, fromInternalPhone: true, maxDurationMs: 40 * FAST_SECOND });
  const nothingReported = (out: EslOutcome) => ({ route: out.route, tone: out.dialplanTone, boundTransfers: out.boundTransfers });

  it('chut never sends connect: after the feature bound the phone hears "nothing was reported", and the call ends', async () => {
    const hung = await hungListener();
    try {
      await withSim({ chutPort: hung.port }, async (sim) => {
        for (const code of ['*77', '*78']) {
          const started = Date.now();
          const out = await sim.placeCall(press(code));
          expect(nothingReported(out), code).toEqual({ route: 'reject', tone: FEATURE_TONES.nobody, boundTransfers: 1 });
          expect(out.answered).toBe(false);
          expect(Date.now() - started).toBeGreaterThanOrEqual((CHUT_XML_FEATURE_BOUND_S - 1) * FAST_SECOND - 5);
        }
      });
    } finally {
      await hung.stop();
    }
  });

  it('chut answers connect and then stops responding: the same, and the socket app\'s completion tells chut the call left', async () => {
    await withSim({}, async (sim) => {
      const r = await scripted(sim, press('*77'), [plainCommand('myevents'), plainCommand('linger 5')]);
      expect(nothingReported(r.out)).toEqual({ route: 'reject', tone: FEATURE_TONES.nobody, boundTransfers: 1 });
      expect(r.completions).toContainEqual({ app: 'socket', response: '_none_' });
    });
  });

  it('without the bound (a chut.xml from before it) the same hang is dead air until the user hangs up', async () => {
    const hung = await hungListener();
    try {
      await withSim({ chutPort: hung.port, featureBound: null }, async (sim) => {
        expect(nothingReported(await sim.placeCall(press('*77')))).toEqual({ route: 'dead-air', tone: null, boundTransfers: 0 });
      });
    } finally {
      await hung.stop();
    }
  });

  it('chut unreachable: the tone at once, and sched_cancel leaves no bound behind', async () => {
    const closed = await hungListener();
    await closed.stop(); // nothing listens on its port any more
    await withSim({ chutPort: closed.port }, async (sim) => {
      const out = await sim.placeCall(press('*78'));
      expect(nothingReported(out)).toEqual({ route: 'reject', tone: FEATURE_TONES.nobody, boundTransfers: 0 });
      expect(out.schedTasksLeft).toBe(0);
    });
  });

  it('a working chut answers, beeps and hangs up long before the bound, which never fires', async () => {
    const h = await startHarness({}, { schedulerSecondMs: SECOND });
    try {
      const out = await h.sim.placeCall(call({ callerNumber: '1000', dialled: '*77', fromInternalPhone: true }));
      expect(out.executed.map((e) => e.app)).toEqual(['answer', 'playback', 'hangup']);
      expect(nothingReported(out)).toEqual({ route: 'reject', tone: null, boundTransfers: 0 });
      // still scheduled when chut hung up: FreeSWITCH runs it later, finds no call and does nothing
      expect(out.schedTasksLeft).toBe(1);
    } finally {
      await h.close();
    }
  });
});

describe('the scheduler api over the outbound socket, as mod_commands answers it', () => {
  it('sched_del counts what it deleted; sched_transfer answers +OK, or the usage, or no such channel', async () => {
    await withSim({}, async (sim) => {
      const r = await scripted(sim, call({ maxDurationMs: 3000 }), (data) => {
        const uuid = data['Unique-ID'] ?? '';
        return [
          plainCommand(`api sched_del ${uuid}`), // chut.xml's bound
          plainCommand(`api sched_del ${uuid}`), // gone already
          plainCommand('api sched_del'),
          plainCommand(`api sched_transfer +1 ${uuid} 1000 XML public`),
          plainCommand('api sched_transfer +1 no-such-uuid 1000 XML public'),
          plainCommand(`api sched_transfer +1`),
          plainCommand(`api sched_transfer +1 ${uuid} 1000 XML public extra`),
        ];
      });
      expect(r.apiBodies).toEqual([
        '+OK Deleted: 1\n', '+OK Deleted: 0\n', '-ERR Invalid syntax\n', '+OK\n', '-ERR No Such Channel!\n',
        '-USAGE: [+]<time> <uuid> <extension> [<dialplan>] [<context>]\n', '-USAGE: [+]<time> <uuid> <extension> [<dialplan>] [<context>]\n',
      ]);
      // the one bound left (+1) rang the call, which chut never released
      expect(r.out.route).toBe('ring');
      expect(r.out.boundTransfers).toBe(1);
    });
  });

  it('the channel data tells chut the bound exists (chut_bound, last_sched_id); the feature codes\' own bound is not named so', async () => {
    await withSim({}, async (sim) => {
      let seen: Record<string, string> = {};
      await scripted(sim, call({ maxDurationMs: 1000 }), (data) => { seen = data; return [plainCommand('exit')]; });
      expect(seen).toMatchObject({ variable_chut_screened: 'true', variable_chut_bound: String(CHUT_XML_BOUND_S), 'Caller-Context': 'public' });
      expect(seen['variable_last_sched_id']).toMatch(/^\d+$/);
      let feature: Record<string, string> = {};
      await scripted(sim, call({ dialled: '*77', fromInternalPhone: true, maxDurationMs: 1000 }), (data) => { feature = data; return [plainCommand('exit')]; });
      // armed (sched_transfer sets last_sched_id), but not as chut_bound: chut would take it for the screening bound
      expect(feature['variable_chut_bound']).toBeUndefined();
      expect(feature['variable_last_sched_id']).toMatch(/^\d+$/);
    });
  });
});

describe('chut takes the bound over before it takes the call', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness({}, { schedulerSecondMs: SECOND, mediaMs: 80 }); });
  afterAll(async () => { await h?.close(); });

  const index = (commands: string[], prefix: string) => commands.findIndex((c) => c.startsWith(prefix));

  it('ring: chut only ends the socket; the dial plan\'s sched_cancel leaves no task behind', async () => {
    const out = await h.sim.placeCall(call({ dialled: '1000' }));
    expect(out.route).toBe('ring');
    expect(out.commands.filter((c) => c.startsWith('api '))).toEqual([]);
    expect(out.schedTasksLeft).toBe(0);
    expect(out.boundTransfers).toBe(0);
  });

  it('reject: the bound is deleted before the first step, and none is left', async () => {
    const out = await h.sim.placeCall(call({ dialled: '2003' }));
    expect(out.route).toBe('reject');
    expect(out.commands).toContain(`api sched_del ${out.callId}`);
    expect(index(out.commands, 'api sched_del')).toBeLessThan(index(out.commands, 'sendmsg'));
    expect(out.schedTasksLeft).toBe(0);
    expect(out.boundTransfers).toBe(0);
  });

  it('captcha: the bound becomes a captcha-long one before the answer; no transfer cuts the captcha; a pass rings with no task left', async () => {
    // the dial plan's bound's time comes while the caller is asked for the digits: deleted, it cuts nothing (and the
    // captcha-long one still has 75 seconds to go)
    h.sim.jumpClockOn('play_and_get_digits', CHUT_XML_BOUND_S);
    const out = await h.sim.placeCall(call({ dialled: '2001', behaviour: { kind: 'types-what-it-hears' } }));
    expect(h.sim.faults.clockJumpOn).toBeNull(); // the jump happened
    expect(out.route).toBe('ring');
    expect(out.answered).toBe(true);
    expect(out.boundTransfers).toBe(0);
    expect(out.schedTasksLeft).toBe(0);
    const api = out.commands.filter((c) => c.startsWith('api '));
    expect(api).toEqual([`api sched_del ${out.callId}`, `api sched_transfer +${CAPTCHA_BOUND_S} ${out.callId} 2001 XML public`]);
    expect(index(out.commands, 'api sched_transfer')).toBeLessThan(index(out.commands, 'sendmsg answer'));
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'captcha', route: 'ring', captcha: 'passed' });
  });

  it('a failed captcha: the re-armed bound is deleted before voicemail, and none is left', async () => {
    const out = await h.sim.placeCall(call({ dialled: '2001', behaviour: { kind: 'types', digits: '0000' } }));
    expect(out.route).toBe('voicemail');
    expect(out.boundTransfers).toBe(0);
    expect(out.schedTasksLeft).toBe(0);
    expect(out.commands.filter((c) => c.startsWith('api sched_del'))).toHaveLength(2);
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'captcha', route: 'voicemail', captcha: 'failed' });
  });
});

describe('voicemail outlasting the bound', () => {
  it('the message is not cut: the bound was deleted before the answer', async () => {
    const h = await startHarness({}, { schedulerSecondMs: SECOND, mediaMs: 200 });
    try {
      // the bound's time comes while the message is recorded
      h.sim.jumpClockOn('voicemail', CHUT_XML_BOUND_S);
      const out = await h.sim.placeCall(call({ dialled: '2002' }));
      expect(h.sim.faults.clockJumpOn).toBeNull();
      expect(out.route).toBe('voicemail');
      expect(out.boundTransfers).toBe(0);
      expect(out.schedTasksLeft).toBe(0);
      expect(out.commands.indexOf(`api sched_del ${out.callId}`)).toBeLessThan(out.commands.indexOf('sendmsg answer'));
    } finally {
      await h.close();
    }
  });
});

describe('the bound fired before chut acted', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ screening: { deadlineMs: 3000 } }, { schedulerSecondMs: FAST_SECOND, talkMs: 40 * FAST_SECOND });
    // a decision slower than the bound (a real chut would need the bound to be shorter than its deadline)
    const store = h.chut.store;
    const lookup = store.lookup.bind(store);
    store.lookup = async (req) => { await new Promise((r) => setTimeout(r, (CHUT_XML_BOUND_S + 3) * FAST_SECOND)); return lookup(req); };
  });
  afterAll(async () => { await h?.close(); });

  for (const [what, dialled] of [['reject', '2003'], ['captcha', '2001'], ['voicemail', '2002']] as const) {
    it(`${what}: sched_del answers Deleted: 0, chut sends nothing more, the call rings, the record says ring`, async () => {
      // FreeSWITCH's events travel apart from api replies: chut must not need the socket app's completion to notice
      h.sim.dropSocketCompletion();
      try {
        const out = await h.sim.placeCall(call({ dialled, behaviour: { kind: 'types-what-it-hears' } }));
        expect(out.route).toBe('ring');
        expect(out.boundTransfers).toBe(1);
        expect(out.answered).toBe(false);
        expect(out.commands).toContain(`api sched_del ${out.callId}`);
        expect(out.commands.filter((c) => c.startsWith('sendmsg') || c.startsWith('api sched_transfer'))).toEqual([]);
        expect(await recordOf(h, out.callId)).toMatchObject({ route: 'ring' });
      } finally {
        h.sim.reset();
      }
    });
  }

  it('the socket app\'s completion alone (the bound took the call) is enough: chut sends nothing at all', async () => {
    const out = await h.sim.placeCall(call({ dialled: '2003' }));
    expect(out.route).toBe('ring');
    expect(out.boundTransfers).toBe(1);
    expect(out.commands).toEqual(['connect', 'myevents', 'linger 5']);
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'reject', route: 'ring' });
  });
});

describe('esl.ringTransfer', () => {
  it('the bound is deleted before chut transfers the call: none is left to cut it later', async () => {
    const h = await startHarness({ esl: { ringTransfer: { extension: '3000', context: 'phones' } } },
      { schedulerSecondMs: SECOND, transfers: { '3000 phones': 'ring' }, talkMs: 200 });
    try {
      // the bound's time comes as the call is transferred: deleted, it does not take the ringing call back
      h.sim.jumpClockOn('transfer', CHUT_XML_BOUND_S);
      const out = await h.sim.placeCall(call({ dialled: '1000' }));
      expect(h.sim.faults.clockJumpOn).toBeNull();
      expect(out.route).toBe('ring');
      expect(out.commands).toContain('sendmsg transfer');
      expect(out.commands.indexOf(`api sched_del ${out.callId}`)).toBeLessThan(out.commands.indexOf('sendmsg transfer'));
      expect(out.boundTransfers).toBe(0);
      expect(out.schedTasksLeft).toBe(0);
    } finally {
      await h.close();
    }
  });
});

describe('a dial plan without the bound (chut.xml from before it)', () => {
  it('chut routes as before and sends no scheduler command (sched_del would answer Deleted: 0 and ring every call)', async () => {
    const h = await startHarness({}, { dialplanBound: null });
    try {
      const rejected = await h.sim.placeCall(call({ dialled: '2003' }));
      expect(rejected.route).toBe('reject');
      const captcha = await h.sim.placeCall(call({ dialled: '2001', behaviour: { kind: 'types-what-it-hears' } }));
      expect(captcha.route).toBe('ring');
      expect(captcha.answered).toBe(true);
      for (const out of [rejected, captcha]) expect(out.commands.filter((c) => c.includes('sched_'))).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

describe('a dialled number that would change sched_transfer\'s arguments (the caller chooses it)', () => {
  /** mod_dptools would split `+10 1000 XML evil XML public` into +10, 1000, XML and `evil XML public`. */
  const HOSTILE = '1000 XML evil';

  it('chut.xml arms no bound for it and says so in the channel data; the dial plan still hands the call to chut', async () => {
    await withSim({}, async (sim) => {
      let seen: Record<string, string> = {};
      const r = await scripted(sim, call({ dialled: HOSTILE, maxDurationMs: 1000 }), (data) => { seen = data; return [plainCommand('exit')]; });
      expect(seen).toMatchObject({ variable_chut_screened: 'true', variable_chut_bound_skipped: 'destination', 'Caller-Destination-Number': HOSTILE });
      expect(seen['variable_chut_bound']).toBeUndefined();
      expect(seen['variable_last_sched_id']).toBeUndefined();
      expect(r.out.schedTasksLeft).toBe(0);
      expect(r.out.boundTransfers).toBe(0);
    });
  });

  it('chut screens it as usual without any scheduler command or warning: the captcha runs and the call rings', async () => {
    const lines: string[] = [];
    const logger = createLogger('debug', new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } }));
    const policy = 'version: 1\nmode: enforce\ntimezone: Europe/Paris\ndefault: captcha\n';
    const h = await startHarness({}, { schedulerSecondMs: SECOND }, { policy, logger });
    try {
      const out = await h.sim.placeCall(call({ dialled: HOSTILE, behaviour: { kind: 'types-what-it-hears' } }));
      expect(out).toMatchObject({ route: 'ring', answered: true, boundTransfers: 0, schedTasksLeft: 0 });
      expect(out.commands.filter((c) => c.includes('sched_'))).toEqual([]);
      expect(await recordOf(h, out.callId)).toMatchObject({ action: 'captcha', route: 'ring', captcha: 'passed' });
      // (the simulator's readiness probe is a connection without channel data: chut warns about that one)
      const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => !l.msg.includes('without usable channel data'));
      expect(logged.filter((l) => l.level >= 40)).toEqual([]);
      expect(logged.map((l) => l.msg)).toContain('no dial plan bound for this call (its dialled number cannot travel in sched_transfer)');
    } finally {
      await h.close();
    }
  });
});
