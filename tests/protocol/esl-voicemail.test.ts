/** Voicemail over ESL: a box FreeSWITCH does not know must never turn a wanted call into goodbye + hang-up. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeCommand, plainCommand } from '../../src/esl/command.js';
import { FakeFreeSwitch } from '../fakes/esl/index.js';
import { call, recordOf, startHarness, type Harness } from '../fakes/esl/harness.js';
import { scripted as run } from '../fakes/esl/scripted.js';
import { SIM_DOMAIN } from '../../src/sim/esl/index.js';

/** What the fake does with these commands for a call to the demo's DID. */
async function scripted(sim: FakeFreeSwitch, commands: string[]): Promise<{ route: string; apiBodies: string[] }> {
  const r = await run(sim, call({ dialled: '0100000000', maxDurationMs: 3000 }), commands);
  return { route: r.out.route, apiBodies: r.apiBodies };
}

describe('the fake FreeSWITCH behaves like mod_voicemail and mod_commands', () => {
  let sim: FakeFreeSwitch;
  beforeAll(async () => { sim = new FakeFreeSwitch({ mediaMs: 10 }); await sim.start(); });
  afterAll(async () => { await sim.stop(); });

  const vmThenHangup = (box: string) => [
    plainCommand('myevents'),
    executeCommand('voicemail', `default \${domain_name} ${box}`).frame,
    executeCommand('hangup', 'NORMAL_CLEARING').frame,
  ];

  it('an unknown box: goodbye, the app returns, and the hangup queued after it ends the call', async () => {
    expect((await scripted(sim, vmThenHangup('+33199999999'))).route).toBe('reject');
  });

  it('a box known by id or by number-alias takes the message', async () => {
    expect((await scripted(sim, vmThenHangup('1001'))).route).toBe('voicemail');
    expect((await scripted(sim, vmThenHangup('+33100000000'))).route).toBe('voicemail');
  });

  it('user_exists answers true or false without a newline, one key at a time; uuid_getvar gives domain_name', async () => {
    const { apiBodies } = await scripted(sim, [
      plainCommand(`api user_exists id 1000 ${SIM_DOMAIN}`),
      plainCommand(`api user_exists id +33100000000 ${SIM_DOMAIN}`),
      plainCommand(`api user_exists number-alias +33100000000 ${SIM_DOMAIN}`),
      plainCommand('api user_exists id 1000 example.com'),
      plainCommand('api user_exists id'),
      plainCommand('api uuid_getvar 00000000-0000-0000-0000-000000000000 domain_name'),
      plainCommand('exit'),
    ]);
    expect(apiBodies).toEqual(['true', 'false', 'true', 'false', 'false', '-ERR No such channel!\n']);
  });

  it('module_exists answers true or false; without mod_voicemail the voicemail app hangs the call up, unrun', async () => {
    expect((await scripted(sim, [plainCommand('api module_exists mod_voicemail'), plainCommand('api module_exists mod_nonsense'), plainCommand('exit')])).apiBodies)
      .toEqual(['true', 'false']);
    sim.unloadModule('mod_voicemail');
    try {
      const r = await run(sim, call({ dialled: '0100000000', maxDurationMs: 3000 }), [plainCommand('api module_exists mod_voicemail'), ...vmThenHangup('1001')]);
      expect(r.apiBodies).toEqual(['false']);
      expect(r.out.route).toBe('reject'); // hung up by FreeSWITCH, not by the caller
      expect(r.events).toContain('CHANNEL_HANGUP');
      expect(r.events).not.toContain('CHANNEL_EXECUTE'); // nothing ran: not the voicemail, not the hangup after it
    } finally {
      sim.reset();
    }
  });
});

describe('the fake FreeSWITCH, a user with voicemail disabled and a missing profile', () => {
  let sim: FakeFreeSwitch;
  beforeAll(async () => {
    sim = new FakeFreeSwitch({ mediaMs: 10, directory: [{ id: '1000', numberAlias: '+33100000000', vmEnabled: false }, { id: '1001' }] });
    await sim.start();
  });
  afterAll(async () => { await sim.stop(); });

  it('vm_boxcount, find_user_xml and user_data answer as mod_voicemail and mod_commands do', async () => {
    const { apiBodies } = await scripted(sim, [
      plainCommand(`api vm_boxcount default/1001@${SIM_DOMAIN}`),
      plainCommand(`api vm_boxcount nosuch/1001@${SIM_DOMAIN}`),
      plainCommand(`api find_user_xml number-alias +33100000000 ${SIM_DOMAIN}`),
      plainCommand(`api find_user_xml id 9999 ${SIM_DOMAIN}`),
      plainCommand(`api user_data 1000@${SIM_DOMAIN} param vm-enabled`),
      plainCommand(`api user_data 1001@${SIM_DOMAIN} param vm-enabled`),
      plainCommand('exit'),
    ]);
    expect(apiBodies[0]).toBe('0');
    expect(apiBodies[1]).toBe('-ERR No such profile\n');
    expect(apiBodies[2]).toMatch(/^<user id="1000" number-alias="\+33100000000">/);
    expect(apiBodies[3]).toBe("-Error can't find user\n");
    expect(apiBodies.slice(4, 6)).toEqual(['false', '']);
  });

  it('the voicemail app returns at once for a disabled user or an unknown profile, and the queued hangup ends the call', async () => {
    const vmThen = (arg: string) => [plainCommand('myevents'), executeCommand('voicemail', arg).frame, executeCommand('hangup', 'NORMAL_CLEARING').frame];
    expect((await scripted(sim, vmThen('default ${domain_name} 1000'))).route).toBe('reject');
    expect((await scripted(sim, vmThen('nosuch ${domain_name} 1001'))).route).toBe('reject');
    expect((await scripted(sim, vmThen('default ${domain_name} 1001'))).route).toBe('voicemail');
  });
});

describe('chut checks the box before queuing voicemail', () => {
  async function withHarness(directory: Array<{ id: string; numberAlias?: string }>, fn: (h: Harness) => Promise<void>): Promise<void> {
    const h = await startHarness({}, { directory });
    try {
      await fn(h);
    } finally {
      await h.close();
    }
  }

  it('a box FreeSWITCH does not know: the call rings (never goodbye + hang-up)', () => withHarness([{ id: '1000' }], async (h) => {
    const out = await h.sim.placeCall(call({ dialled: '2002' }));
    expect(out.route).toBe('ring');
    expect(out.answered).toBe(false);
    expect(out.commands).toContain(`api user_exists id 2002 ${SIM_DOMAIN}`);
    expect(out.commands).toContain(`api user_exists number-alias 2002 ${SIM_DOMAIN}`);
    expect(out.executed.map((e) => e.app)).not.toContain('voicemail');
    // the record says what happened to the call: it rang
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'voicemail', route: 'ring' });
  }));

  it('a box known only by its number-alias gets the message', () => withHarness([{ id: '1000', numberAlias: '2002' }], async (h) => {
    const out = await h.sim.placeCall(call({ dialled: '2002' }));
    expect(out.route).toBe('voicemail');
    expect(out.commands.filter((c) => c.startsWith('api '))).toEqual([
      'api module_exists mod_voicemail', `api uuid_getvar ${out.callId} domain_name`, `api vm_boxcount default/2002@${SIM_DOMAIN}`,
      `api user_exists id 2002 ${SIM_DOMAIN}`, `api user_exists number-alias 2002 ${SIM_DOMAIN}`,
      `api find_user_xml number-alias 2002 ${SIM_DOMAIN}`, `api user_data 1000@${SIM_DOMAIN} param vm-enabled`,
      // the box checks read nothing but the directory; the dial plan's bound goes only once the message can be taken
      `api sched_del ${out.callId}`,
    ]);
    expect(out.executed.map((e) => e.app)).toEqual(['answer', 'voicemail', 'hangup']);
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'voicemail', route: 'voicemail' });
  }));

  it('a FreeSWITCH without mod_voicemail: the call rings (the voicemail app would have hung it up)', () => withHarness([{ id: '2002' }], async (h) => {
    h.sim.unloadModule('mod_voicemail');
    const out = await h.sim.placeCall(call({ dialled: '2002' }));
    expect(out.route).toBe('ring');
    expect(out.answered).toBe(false);
    expect(out.commands.filter((c) => c.startsWith('api '))).toEqual(['api module_exists mod_voicemail']);
    expect(out.executed.map((e) => e.app)).not.toContain('voicemail');
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'voicemail', route: 'ring' });
  }));

  const disabled: Array<[string, Array<{ id: string; numberAlias?: string; vmEnabled?: boolean }>]> = [
    ['by id', [{ id: '2002', vmEnabled: false }]],
    ['by number-alias (the id read from find_user_xml for user_data)', [{ id: '1000', numberAlias: '2002', vmEnabled: false }]],
  ];
  it.each(disabled)('a user whose voicemail is disabled (vm-enabled=false), found %s: the call rings', (_, directory) => withHarness(directory, async (h) => {
    const out = await h.sim.placeCall(call({ dialled: '2002' }));
    expect(out.route).toBe('ring');
    expect(out.answered).toBe(false);
    expect(out.executed.map((e) => e.app)).toEqual([]);
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'voicemail', route: 'ring' });
  }));

  it('a voicemail profile FreeSWITCH does not have (esl.voicemail.profile): the call rings', async () => {
    const h = await startHarness({ esl: { voicemail: { type: 'app', profile: 'office' } } }, { directory: [{ id: '2002' }] });
    try {
      const out = await h.sim.placeCall(call({ dialled: '2002' }));
      expect(out.route).toBe('ring');
      expect(out.commands).toContain(`api vm_boxcount office/2002@${SIM_DOMAIN}`);
      expect(out.executed.map((e) => e.app)).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('a failed captcha whose voicemail box is unknown rings too', () => withHarness([], async (h) => {
    const out = await h.sim.placeCall(call({ dialled: '2001', behaviour: { kind: 'types', digits: '0000', delayMs: 20 } }));
    expect(out.route).toBe('ring');
    expect(out.executed.map((e) => e.app)).not.toContain('voicemail');
    expect(await recordOf(h, out.callId)).toMatchObject({ action: 'captcha', route: 'ring', captcha: 'failed' });
  }));
});
