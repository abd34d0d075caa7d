/**
 * The route a call really took, as the dialplan reports it (chut-ami.conf's `ChutRouted`, ChutVersion 2), is what
 * chut records, not the decision it sent: a voicemail decision whose box does not exist rings, so does a decision
 * that reached the channel after the dialplan stopped waiting, and a captcha call whose outcome was lost but which
 * rang. Only a call recorded `ring` becomes the last caller `*77` reports, so these decide who gets reported.
 * An older snippet (ChutVersion 1, no ChutRouted) is recorded as before. chut's real wiring, the AMI fake running
 * our dialplan, the real Redis.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chutEncode } from '../../src/sim/ami/channel.js';
import type { SimulatedCall } from '../../src/sim/types.js';
import { eventually, expectNoPerCallState, header, startAmiHarness, type AmiHarness, type Packet, recordOf } from '../fakes/ami/index.js';

const DID = '0100000000';
/** The box the voicemail route names for DID (no routes.voicemailMailbox, no CHUT_VM_DEFAULT): it does not exist. */
const MISSING_BOX = `${DID}@default`;

let n = 0;
const caller = () => `+3361255${String(5000 + ++n).padStart(4, '0')}`;
const call = (callerName: string, behaviour: SimulatedCall['behaviour'], callerNumber = caller(), dialled = DID): SimulatedCall =>
  ({ callerNumber, callerName, dialled, behaviour });
const facts = (h: AmiHarness, e164: string) => h.chut.store.lookup({ e164, now: Date.now(), rateWindowsSec: [], blockDigits: 8 });
const captchaReport = (outcome: string) => (p: Packet) =>
  header(p, 'Event') === 'UserEvent' && header(p, 'UserEvent') === 'ChutCaptcha' && header(p, 'ChutOutcome') === outcome;

/** An internal phone dials *77: chut-ami.conf's [chut-features] sends this UserEvent (its own channel, its Uniqueid). */
function pressStar77(h: AmiHarness, uniqueid: string): void {
  h.sim.server.broadcast([
    ['Event', 'UserEvent'], ['Privilege', 'user,all'], ['Channel', `PJSIP/100-${uniqueid.replace('.', '')}`], ['ChannelState', '4'],
    ['ChannelStateDesc', 'Ring'], ['CallerIDNum', '100'], ['CallerIDName', 'Desk'], ['ConnectedLineNum', '<unknown>'],
    ['ConnectedLineName', '<unknown>'], ['Language', 'en'], ['AccountCode', ''], ['Context', 'from-internal'], ['Exten', '*77'],
    ['Priority', '1'], ['Uniqueid', uniqueid], ['Linkedid', uniqueid],
    ['UserEvent', 'ChutReport'], ['ChutKind', 'spam'], ['ChutTarget', chutEncode('100')],
  ]);
}

describe('chut-ami.conf as shipped (ChutVersion 2): the route taken is recorded', () => {
  let h: AmiHarness;
  // a talk long enough that a call which rang is still up when a lagging decision reaches it
  beforeAll(async () => { h = await startAmiHarness({ label: 'ami-routed', sim: { talkMs: 1500, missingMailboxes: [MISSING_BOX] } }); });
  afterAll(async () => { await h.stop(); });

  it('a voicemail decision whose box does not exist rings: recorded ring, and *77 then reports that caller, not the one before', async () => {
    const friendNumber = caller();
    const friend = await h.sim.placeCall(call('Friend', { kind: 'silent' }, friendNumber));
    expect(await recordOf(h, friend.callId)).toMatchObject({ route: 'ring' });
    const spammer = caller();
    const out = await h.sim.placeCall(call('VOICEMAIL spammer', { kind: 'silent' }, spammer));
    expect(out).toMatchObject({ route: 'ring' }); // VM_INFO says no such box: the dialplan rang
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'voicemail', route: 'ring', captcha: null });
    expect(h.logs.some((l) => l.includes(out.callId) && l.includes('voicemail was decided but the dialplan rang'))).toBe(true);
    await h.adapter.idle();
    pressStar77(h, '1795990000.77');
    await eventually(() => h.logs.some((l) => l.includes('report-last-caller')), 5000, 'the *77 report');
    const report = h.logs.find((l) => l.includes('report-last-caller')) ?? '';
    expect(JSON.parse(report)).toMatchObject({ reported: spammer });
    expect((await facts(h, spammer)).reports).toBe(1);
    expect((await facts(h, friendNumber)).reports).toBe(0);
  });

  it('a box that exists still takes the voicemail route', async () => {
    const out = await h.sim.placeCall(call('VOICEMAIL please', { kind: 'silent' }, caller(), '0100000001'));
    expect(out).toMatchObject({ route: 'voicemail' });
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'voicemail', route: 'voicemail' });
  });

  it('without app_voicemail (VM_INFO is no function) the voicemail decision rings, recorded ring', async () => {
    h.sim.server.voicemailApp = false;
    try {
      const out = await h.sim.placeCall(call('VOICEMAIL noapp', { kind: 'silent' }, caller(), '0100000001'));
      expect(out).toMatchObject({ route: 'ring' });
      expect(await recordOf(h, out.callId)).toMatchObject({ action: 'voicemail', route: 'ring' });
    } finally {
      h.sim.server.voicemailApp = true;
    }
  });

  it.each([
    ['the call is still up when the decision lands (chut could set it)', { kind: 'silent' } as const],
    ['the call is over when the decision lands (the Setvar finds no channel)', { kind: 'hangs-up', afterMs: 2300 } as const],
  ])('a decision that lands after the dialplan stopped waiting (AMI lag): recorded ring, not the decision nor hung-up; %s', async (_what, behaviour) => {
    h.sim.delayEvents(2500); // the ChutQuery reaches chut after the dialplan's 2 s wait: the call already rings
    let out;
    try {
      out = await h.sim.placeCall(call('REJECT lag', behaviour));
      expect(out.route).toBe('ring');
      expect(await recordOf(h, out.callId)).toMatchObject({ action: 'reject', route: 'ring' });
    } finally {
      h.sim.delayEvents(0);
    }
  });

  it('a captcha call whose outcome was lost but which rang: recorded ring with no outcome, the caller untouched', async () => {
    const number = caller();
    const before = await facts(h, number);
    h.sim.suppressEvents(captchaReport('passed'));
    try {
      const out = await h.sim.placeCall(call('CAPTCHA lost', { kind: 'types-what-it-hears' }, number));
      expect(out).toMatchObject({ route: 'ring', answered: true });
      expect(await recordOf(h, out.callId)).toMatchObject({ action: 'captcha', route: 'ring', captcha: null });
    } finally {
      h.sim.suppressEvents(null);
    }
    await h.adapter.idle();
    const after = await facts(h, number);
    expect(after.captcha).toEqual({ passed: 0, failed: 0, hungUp: 0 });
    expect(after.score).toBe(before.score);
  });

  it('after a captcha outcome the call is recorded once, with the outcome and the route the IVR then took: a failure route to a missing box rang, and the caller becomes the last caller', async () => {
    const out = await h.sim.placeCall(call('CAPTCHA wrong', { kind: 'types', digits: '0000' }));
    expect(out).toMatchObject({ route: 'ring' }); // failed → voicemail, whose box is missing: rang
    await h.adapter.idle();
    const recs = (await h.chut.store.calls({ limit: 500 })).calls.filter((c) => c.callId === out.callId);
    expect(recs).toEqual([expect.objectContaining({ action: 'captcha', route: 'ring', captcha: 'failed' })]);
    expect(await h.chut.store.getLastCaller(recs[0]!.dialled)).toBe(recs[0]!.caller);
  });

  it('the simulator reports each route where the snippet does', async () => {
    const conf = readFileSync('dialplan/asterisk/chut-ami.conf', 'utf8').split('\n').map((l) => l.replace(/(^|\s);.*$/, '').trim()).filter(Boolean);
    const vmStart = conf.findIndex((l) => l.startsWith('exten => voicemail,1,'));
    const vm = conf.slice(vmStart, conf.findIndex((l, i) => i > vmStart && !l.startsWith('same => ')));
    const appOf = (l: string) => /^(?:exten => [^,]+,1|same => n(?:\([a-z]+\))?),([A-Za-z]+)\(/.exec(l)?.[1];
    const fromCheck = vm.slice(vm.findIndex((l) => l.startsWith('same => n(check),'))).map(appOf);
    const seen: Packet[] = [];
    h.sim.server.onEvent = (p) => { if (header(p, 'Event') === 'Newexten' && header(p, 'Context') === 'chut-screen') seen.push(p); };
    try {
      const outs = [
        await h.sim.placeCall(call('Someone', { kind: 'silent' })),
        await h.sim.placeCall(call('REJECT me', { kind: 'silent' })),
        await h.sim.placeCall(call('VOICEMAIL me', { kind: 'silent' }, caller(), '0100000001')),
      ];
      for (const [out, route] of [[outs[0], 'ring'], [outs[1], 'reject'], [outs[2], 'voicemail']] as const) {
        const mine = seen.filter((p) => header(p, 'Uniqueid') === out?.callId);
        const report = mine.filter((p) => header(p, 'Application') === 'UserEvent' && (header(p, 'AppData') ?? '').startsWith('ChutRouted,'));
        expect(report.map((p) => [header(p, 'Exten'), header(p, 'AppData')]), route)
          .toEqual([[route, `ChutRouted,ChutCallId: ${out?.callId},ChutRoute: ${route}`]]);
        if (route !== 'voicemail') {
          expect(header(report[0] as Packet, 'Priority')).toBe('1');
        } else {
          // from the box's REGEX check to TryExec, the same applications in the same order as the snippet's
          const steps = mine.filter((p) => header(p, 'Exten') === 'voicemail');
          const check = steps.findIndex((p) => header(p, 'Application') === 'GotoIf' && (header(p, 'AppData') ?? '').endsWith('?:ring,1'));
          const upToTryExec = fromCheck.slice(0, fromCheck.indexOf('TryExec') + 1);
          expect(upToTryExec).toEqual(['GotoIf', 'Set', 'GotoIf', 'UserEvent', 'TryExec']);
          expect(steps.slice(check, check + upToTryExec.length).map((p) => header(p, 'Application'))).toEqual(upToTryExec);
        }
      }
    } finally {
      h.sim.server.onEvent = null;
    }
  });

  it('holds no per-call state once the calls are over', async () => {
    await h.adapter.idle();
    await expectNoPerCallState(h.adapter);
  });
});

describe('an older chut-ami.conf (ChutVersion 1, no ChutRouted): recorded as before', () => {
  let h: AmiHarness;
  beforeAll(async () => {
    h = await startAmiHarness({ label: 'ami-routed1', sim: { talkMs: 1500, snippetVersion: 1, missingMailboxes: [MISSING_BOX] } });
  });
  afterAll(async () => { await h.stop(); });

  it('each call is recorded at once with the route chut sent (a missing box included: that snippet does not say it rang)', async () => {
    const queries: Packet[] = [];
    h.sim.server.onEvent = (p) => { if (header(p, 'UserEvent') === 'ChutQuery') queries.push(p); };
    try {
      for (const [name, sent, heard] of [['Someone', 'ring', 'ring'], ['REJECT old', 'reject', 'reject'], ['VOICEMAIL old', 'voicemail', 'ring']] as const) {
        const out = await h.sim.placeCall(call(name, { kind: 'silent' }));
        expect(out.route, name).toBe(heard);
        expect(await recordOf(h, out.callId), name).toMatchObject({ route: sent });
      }
    } finally {
      h.sim.server.onEvent = null;
    }
    expect(queries.map((p) => header(p, 'ChutVersion'))).toEqual(['1', '1', '1']);
    expect(h.sim.server.received.length).toBeGreaterThan(0);
  });

  it('a captcha call whose outcome was lost and that rang (it ended back in the caller\'s context) is recorded ring', async () => {
    const number = caller();
    const before = await facts(h, number);
    h.sim.suppressEvents(captchaReport('passed'));
    try {
      const out = await h.sim.placeCall(call('CAPTCHA lost old', { kind: 'types-what-it-hears' }, number));
      expect(out).toMatchObject({ route: 'ring', answered: true });
      expect(await recordOf(h, out.callId)).toMatchObject({ action: 'captcha', route: 'ring', captcha: null });
    } finally {
      h.sim.suppressEvents(null);
    }
    await h.adapter.idle();
    expect((await facts(h, number)).score).toBe(before.score);
  });
});
