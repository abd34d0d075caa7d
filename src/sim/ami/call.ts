/**
 * One simulated call running dialplan/asterisk/chut-ami.conf, step by step, with the events a real Asterisk
 * emits for it: the `ChutQuery` UserEvent (snapshot first, then our base64 headers), the wait for
 * CHUT_DECISION in short ticks (nothing in time → ring: fail-open), then the route. The captcha is the
 * dialplan's own IVR: Answer, prompts + the digits as Playback lists (DTMF there is dropped), Read() with attempts and
 * timeouts (DTMFBegin/DTMFEnd, Direction: Received), and a `ChutCaptcha` UserEvent with the outcome.
 * The channel's location follows the snippet's extensions (the trunk context, `Gosub` into `chut-screen`,
 * `captcha`, `passed`…, `Return()` back to the trunk context to ring), and a call that ends inside
 * `chut-screen` runs its h extension, so each event's Context/Exten and the final Hangup's are what a real
 * Asterisk shows. A Playback naming a sound file in `server.missingSounds` sets PLAYBACKSTATUS=FAILED (app_playback
 * still plays the other files of an `a&b` list, and says FAILED for the whole list); the snippet then rings.
 * The shipped snippet (`server.snippetVersion` 2) reports each route it takes with a `ChutRouted` UserEvent, its first
 * step, and asks VM_INFO(box,exists) before VoiceMail(): a box in `server.missingMailboxes` (or no app_voicemail) rings.
 */
import type { SimulatedCall, SimulatedCallOutcome, SimulatedRoute } from '../types.js';
import { bridgeEnter, channelEvent, dialEvent, hangupEvent, chutEncode, type SimChannel } from './channel.js';
import { DialplanChannel, HungUp } from './runner.js';
import type { AmiServer } from './server.js';
import type { Header } from './wire.js';
import { VOICEMAIL_BOX } from '../../voicemail-box.js';

export interface CallTiming {
  /** How long the dialplan waits for CHUT_DECISION (`CHUT_WAIT_MS`). */
  decisionWaitMs: number;
  tickMs: number;
  /** Duration of one prompt group (the intro, the digits…). */
  promptMs: number;
  phoneAnswerMs: number;
  talkMs: number;
  voicemailMs: number;
  dtmfGapMs: number;
}

export interface CallIds { seq: number; uniqueBase: number }

type Stage = 'screening' | 'captcha' | 'ring' | 'voicemail' | 'reject';

/** The snippet's context, and the context the simulated trunk delivers calls to (it Gosubs into chut-screen). */
const IVR = 'chut-screen';
const TRUNK = 'from-pstn';

/** What chut-ami.conf clears before it asks chut (tests/unit/ami/dialplan-screening.test.ts reads them in the snippet):
 * every variable chut sets, and the IVR's own. */
export const CLEARED_BEFORE_QUERY = [
  'CHUT_DECISION', 'CHUT_MAILBOX', 'CHUT_REJECT_STYLE', 'CHUT_CAPTCHA_DIGITS', 'CHUT_CAPTCHA_ATTEMPTS', 'CHUT_CAPTCHA_TIMEOUT',
  'CHUT_CAPTCHA_DIGIT_TIMEOUT', 'CHUT_CAPTCHA_ONFAIL', 'CHUT_CAPTCHA_ONTIMEOUT', 'CHUT_CAPTCHA_LANG', 'CHUT_CAPTCHA_PROMPTS',
  'CHUT_CAPTCHA_STATE', 'CHUT_CAPTCHA_INPUT',
] as const;


const REJECT_CAUSES: Record<string, [number, string]> = {
  busy: [17, 'User busy'], congestion: [34, 'Circuit/channel congestion'], sit: [1, 'Unallocated (unassigned) number'],
};


function channel(name: string, uniqueid: string, linkedid: string, call: SimulatedCall, context: string, exten: string): SimChannel {
  return {
    name, uniqueid, linkedid, state: 4, callerNum: call.callerNumber, callerName: call.callerName,
    connectedNum: call.callerNumber, connectedName: call.callerName, context, exten, priority: 1, vars: new Map(), alive: true,
  };
}

export class SimCall extends DialplanChannel {
  private readonly caller: SimChannel;
  private stage: Stage = 'screening';
  private heard = '';
  private answered = false;
  private hangTimer: NodeJS.Timeout | null = null;
  private readonly started = Date.now();

  constructor(server: AmiServer, private readonly call: SimulatedCall, ids: CallIds, private readonly t: CallTiming) {
    const base = `Local/${call.dialled}@from-pstn-${ids.seq.toString(16).padStart(8, '0')}`;
    const linked = `${ids.uniqueBase}.${ids.seq * 2}`;
    super(server, channel(`${base};2`, `${ids.uniqueBase}.${ids.seq * 2 + 1}`, linked, call, TRUNK, call.dialled));
    for (const [name, value] of server.inheritedVars) this.inbound.vars.set(name, value);
    this.inbound.hangUp = () => this.hangUpNow();
    this.caller = channel(`${base};1`, linked, linked, call, 'caller-sim', 's');
  }

  async run(): Promise<SimulatedCallOutcome> {
    for (const ch of [this.caller, this.inbound]) {
      this.server.channels.set(ch.name, ch);
      this.server.broadcast(channelEvent('Newchannel', ch));
    }
    this.armHangup();
    this.goto(TRUNK, this.call.dialled);
    this.exec('Gosub', `${IVR},s,1(${this.call.dialled})`);
    this.goto(IVR, 's');
    let route: SimulatedRoute;
    try {
      route = await this.dispatch(await this.screen());
    } catch (err) {
      if (!(err instanceof HungUp)) throw err;
      route = this.stage === 'screening' || this.stage === 'captcha' ? 'hung-up' : this.stage;
    }
    this.end(16, 'Normal Clearing');
    return { route, answered: this.answered, heardDigits: this.heard, callId: this.inbound.uniqueid, durationMs: Date.now() - this.started };
  }

  /** Forced end (maxDurationMs, simulator stop). */
  abort(): void {
    this.hangUpNow();
  }

  private armHangup(): void {
    if (this.call.behaviour.kind !== 'hangs-up') return;
    if (this.hangTimer) clearTimeout(this.hangTimer);
    this.hangTimer = setTimeout(() => this.hangUpNow(), this.call.behaviour.afterMs);
  }

  private async screen(): Promise<string> {
    for (const name of CLEARED_BEFORE_QUERY) {
      this.exec('Set', `${name}=`);
      this.setLocal(name, ''); // Set(X=) leaves X empty (pbx_builtin_setvar_helper assigns "")
    }
    const headers: Header[] = [
      ['UserEvent', 'ChutQuery'], ['ChutVersion', String(this.server.snippetVersion)], ['ChutCallId', this.inbound.uniqueid],
      ['ChutCaller', chutEncode(this.call.callerNumber)], ['ChutName', chutEncode(this.call.callerName)],
      ['ChutDialled', chutEncode(this.call.dialled)], ['ChutVerstat', chutEncode(this.call.verstat ?? '')],
      ['ChutWaitMs', String(this.t.decisionWaitMs)],
    ];
    this.exec('UserEvent', headers.slice(1).map(([n, v]) => `${n}: ${v}`).join(',').replace(/^/, 'ChutQuery,'));
    this.emit('UserEvent', headers);
    const ticks = Math.ceil(this.t.decisionWaitMs / this.t.tickMs);
    for (let i = 0; i < ticks && !this.inbound.vars.get('CHUT_DECISION'); i += 1) {
      this.exec('Wait', String(this.t.tickMs / 1000));
      await this.wait(this.t.tickMs);
    }
    return this.inbound.vars.get('CHUT_DECISION') ?? '';
  }

  private async dispatch(decision: string): Promise<SimulatedRoute> {
    if (decision === 'voicemail') return this.voicemail();
    if (decision === 'reject') return this.reject(this.inbound.vars.get('CHUT_REJECT_STYLE') ?? '');
    if (decision === 'captcha') return this.captcha();
    return this.ring(); // ring, no decision in time, or anything unknown: fail-open
  }

  /** chut-ami.conf 2 (ChutVersion 2): the first step of the ring, voicemail (once the box exists) and reject routes. */
  private routed(route: 'ring' | 'voicemail' | 'reject'): void {
    if (this.server.snippetVersion < 2) return;
    this.exec('UserEvent', `ChutRouted,ChutCallId: ${this.inbound.uniqueid},ChutRoute: ${route}`);
    this.emit('UserEvent', [['UserEvent', 'ChutRouted'], ['ChutCallId', this.inbound.uniqueid], ['ChutRoute', route]]);
  }

  private async ring(): Promise<SimulatedRoute> {
    this.stage = 'ring';
    this.goto(IVR, 'ring');
    this.routed('ring');
    for (const [local, setting] of [['chut_rto', 'TIMEOUT(response)'], ['chut_dto', 'TIMEOUT(digit)'], ['chut_lang', 'CHANNEL(language)']] as const) {
      this.restore(local, setting);
    }
    this.exec('Return', '');
    this.goto(TRUNK, this.call.dialled, 2); // back after the Gosub: the user's normal destination
    const phone = channel(`Local/100@phone-sim-${this.inbound.uniqueid.replace('.', '')};1`, `${this.inbound.uniqueid}1`, this.inbound.linkedid, this.call, 'phone-sim', '100');
    phone.state = 0;
    this.server.channels.set(phone.name, phone);
    this.server.broadcast(channelEvent('Newchannel', phone));
    this.exec('Dial', 'Local/100@phone-sim,20');
    this.server.broadcast(dialEvent('DialBegin', this.inbound, phone, [['DialString', '100@phone-sim']]));
    try {
      await this.wait(this.t.phoneAnswerMs);
      phone.state = 6;
      this.server.broadcast(dialEvent('DialEnd', this.inbound, phone, [['DialStatus', 'ANSWER']]));
      const bridge = `bridge-${this.inbound.uniqueid}`;
      this.server.broadcast(bridgeEnter(bridge, 1, phone));
      this.server.broadcast(bridgeEnter(bridge, 2, this.inbound));
      await this.wait(this.t.talkMs);
    } finally {
      phone.alive = false;
      this.server.broadcast(hangupEvent(phone, 16, 'Normal Clearing'));
      this.server.channels.delete(phone.name);
    }
    return 'ring';
  }

  /** After a captcha, what the snippet saved before it (`LOCAL(local)`) goes back to the channel (`ExecIf(…?Set(…))`). */
  private restore(local: string, setting: string): void {
    const saved = this.inbound.vars.get(local) ?? '';
    this.exec('ExecIf', `${saved !== '' ? 1 : 0}?Set(${setting}=${saved})`);
  }

  /** The snippet's voicemail extension: CHUT_MAILBOX, else CHUT_VM_DEFAULT, else <dialled>@default, checked with REGEX
   * before TryExec (which substitutes its argument again): anything but one plain box rings. Then (snippet 2) the box
   * must exist, VM_INFO(box,exists) = 1, before the route is reported and VoiceMail() runs; the snippet of version 1
   * learns it from VoiceMail() itself (VMSTATUS=FAILED, or TRYSTATUS=NOAPP without app_voicemail) and rings. */
  private async voicemail(): Promise<SimulatedRoute> {
    this.goto(IVR, 'voicemail');
    this.restore('chut_lang', 'CHANNEL(language)');
    let box = '';
    for (const source of ['CHUT_MAILBOX', 'CHUT_VM_DEFAULT', null] as const) {
      box = source === null ? `${this.call.dialled}@default` : this.inbound.vars.get(source) ?? '';
      this.setLocal('box', box);
      if (source === null) break;
      this.exec('GotoIf', `${box.length}?check`);
      if (box !== '') break;
    }
    const plain = VOICEMAIL_BOX.test(box);
    this.exec('GotoIf', `${plain ? 1 : 0}?:ring,1`);
    if (!plain) return this.ring();
    const exists = this.server.mailboxExists(box);
    if (this.server.snippetVersion >= 2) {
      // app_voicemail's acf_vm_info: "1" or "0"; without the module the function is unknown and reads as ""
      const boxok = this.server.voicemailApp ? (exists ? '1' : '0') : '';
      this.exec('Set', `LOCAL(boxok)=${boxok}`);
      this.setLocal('boxok', boxok);
      this.exec('GotoIf', `${boxok === '1' ? 1 : 0}?:ring,1`);
      if (boxok !== '1') return this.ring();
      this.routed('voicemail');
    }
    this.exec('TryExec', `VoiceMail(${box},u)`); // as the snippet runs it (chut-ami.conf)
    if (!exists) {
      if (this.server.voicemailApp) this.setLocal('VMSTATUS', 'FAILED');
      else this.setLocal('TRYSTATUS', 'NOAPP');
      this.exec('GotoIf', '1?ring,1');
      return this.ring();
    }
    this.stage = 'voicemail';
    await this.wait(this.t.voicemailMs);
    return 'voicemail';
  }

  private async reject(style: string): Promise<SimulatedRoute> {
    this.stage = 'reject';
    this.goto(IVR, 'reject');
    this.routed('reject');
    const [cause, text] = REJECT_CAUSES[style] ?? [21, 'Call Rejected'];
    this.exec('Hangup', String(cause));
    this.end(cause, text);
    return 'reject';
  }

  private end(cause: number, text: string): void {
    if (this.hangTimer) clearTimeout(this.hangTimer);
    if (!this.inbound.alive) return;
    if (this.inbound.context === IVR) this.hExtension();
    for (const ch of [this.inbound, this.caller]) {
      ch.alive = false;
      this.server.broadcast(hangupEvent(ch, cause, text));
      this.server.channels.delete(ch.name);
    }
  }

  /** chut-screen's h extension: a hang-up during the captcha (once the IVR answered) is reported from `captcha-hangup`;
   * before that (a captcha decided, no challenge started) it ends in `captcha-unanswered`, with no outcome. */
  private hExtension(): void {
    const state = this.inbound.vars.get('CHUT_CAPTCHA_STATE') ?? '';
    const running = state === 'running';
    this.goto(IVR, 'h');
    this.exec('GotoIf', `${running ? 1 : 0}?captcha-hangup,1`);
    if (running) {
      this.goto(IVR, 'captcha-hangup');
      this.report('hung-up');
      this.exec('NoOp', 'chut: the caller hung up during the captcha');
      return;
    }
    const unanswered = this.inbound.vars.get('CHUT_DECISION') === 'captcha' && state === '';
    this.exec('GotoIf', `${unanswered ? 1 : 0}?captcha-unanswered,1`);
    if (unanswered) {
      this.goto(IVR, 'captcha-unanswered');
      this.exec('NoOp', 'chut: the caller hung up before the captcha started');
      return;
    }
    this.exec('NoOp', 'chut: call ended');
  }

  report(outcome: string): void {
    this.exec('UserEvent', `ChutCaptcha,ChutCallId: ${this.inbound.uniqueid},ChutOutcome: ${outcome}`);
    this.emit('UserEvent', [['UserEvent', 'ChutCaptcha'], ['ChutCallId', this.inbound.uniqueid], ['ChutOutcome', outcome]]);
  }

  private async captcha(): Promise<SimulatedRoute> {
    const digits = this.inbound.vars.get('CHUT_CAPTCHA_DIGITS') ?? '';
    this.goto(IVR, 'captcha');
    if (!/^[0-9]{3,8}$/.test(digits)) return this.ring(); // no usable challenge: fail-open
    this.stage = 'captcha';
    const prompts = (this.inbound.vars.get('CHUT_CAPTCHA_PROMPTS') ?? '').split('|');
    const intro = prompts[0] || 'please-enter-the&digits';
    const retry = prompts[1] ?? '';
    const v = (name: string, dflt: number) => Number(this.inbound.vars.get(name) || dflt);
    const attempts = v('CHUT_CAPTCHA_ATTEMPTS', 3);
    const firstMs = v('CHUT_CAPTCHA_TIMEOUT', 6) * 1000;
    const interMs = v('CHUT_CAPTCHA_DIGIT_TIMEOUT', 3) * 1000;
    this.setLocal('chut_rto', '10.000'); // Asterisk's defaults, read back as func_timeout.c prints them
    this.setLocal('chut_dto', '5.000');
    this.setLocal('chut_lang', 'en'); // the channel's own language (the trunk's), then the captcha's
    this.exec('ExecIf', `${this.inbound.vars.get('CHUT_CAPTCHA_LANG') ? 1 : 0}?Set(CHANNEL(language)=${this.inbound.vars.get('CHUT_CAPTCHA_LANG') ?? ''})`);
    this.exec('Answer', '');
    this.answered = true;
    this.inbound.state = 6;
    this.emit('Newstate');
    this.setLocal('CHUT_CAPTCHA_STATE', 'running'); // the challenge starts: from here a hang-up counts
    this.armHangup();
    if (this.call.behaviour.kind === 'blasts-dtmf') this.dtmfNow(this.call.behaviour.digits); // during the prompt: dropped
    let typedAny = false;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      if (attempt > 1 && retry !== '' && !(await this.playback(retry))) return this.promptFailed();
      if (!(await this.playback(intro))) return this.promptFailed();
      // the snippet builds digits/4&digits/7&… and plays it with a PLAYBACKSTATUS check, as for the prompts
      if (!(await this.playback([...digits].map((d) => `digits/${d}`).join('&')))) return this.promptFailed();
      this.heard += digits;
      const typed = await this.read(digits, firstMs, interMs);
      if (typed === null) return this.promptFailed();
      this.setLocal('CHUT_CAPTCHA_INPUT', typed);
      this.setLocal('READSTATUS', typed.length === digits.length ? 'OK' : 'TIMEOUT');
      this.exec('GotoIf', '0?prompt-failed,1');
      typedAny ||= typed !== '';
      if (typed === digits) return this.after('passed', 'ring');
    }
    // as the snippet reads them: ONFAIL is reject or else voicemail, ONTIMEOUT voicemail or else reject
    return typedAny ? this.after('failed', this.inbound.vars.get('CHUT_CAPTCHA_ONFAIL') === 'reject' ? 'reject' : 'voicemail')
      : this.after('timeout', this.inbound.vars.get('CHUT_CAPTCHA_ONTIMEOUT') === 'voicemail' ? 'voicemail' : 'reject');
  }

  /** Playback(list), then the snippet's PLAYBACKSTATUS check: false when a file of the list is missing. */
  private async playback(list: string): Promise<boolean> {
    this.exec('Playback', list);
    await this.wait(this.t.promptMs);
    const failed = list.split('&').some((file) => this.server.missingSounds.has(file));
    this.setLocal('PLAYBACKSTATUS', failed ? 'FAILED' : 'SUCCESS');
    this.exec('GotoIf', `${failed ? 1 : 0}?prompt-failed,1`);
    return !failed;
  }

  /** The caller could not hear the instructions: reported with no outcome against them, and the call rings. */
  private promptFailed(): Promise<SimulatedRoute> {
    this.goto(IVR, 'prompt-failed');
    this.setLocal('CHUT_CAPTCHA_STATE', 'done');
    this.report('prompt-failed');
    return this.ring();
  }

  private async after(outcome: string, route: string): Promise<SimulatedRoute> {
    this.goto(IVR, outcome);
    this.setLocal('CHUT_CAPTCHA_STATE', 'done');
    this.report(outcome);
    this.stage = route === 'reject' ? 'reject' : route === 'voicemail' ? 'voicemail' : 'ring';
    if (outcome !== 'passed') this.goto(IVR, 'bye');
    await this.wait(this.t.promptMs); // thanks / goodbye
    if (route === 'reject') return this.reject(this.inbound.vars.get('CHUT_REJECT_STYLE') ?? '');
    if (route === 'voicemail') return this.voicemail();
    return this.ring();
  }

  /** Read(): what the caller types in this attempt, by behaviour, with the DTMF events Asterisk emits. */
  /** Read() with TIMEOUT(response)/TIMEOUT(digit) set; null when its `beep` is missing: app.c's ast_app_getdata skips a
   * prompt it cannot stream and, with no prompt left, returns without reading (READSTATUS=ERROR, nothing typed). */
  private async read(heard: string, firstMs: number, interMs: number): Promise<string | null> {
    this.exec('Read', `CHUT_CAPTCHA_INPUT,beep,${heard.length},,1`);
    if (this.server.missingSounds.has('beep')) {
      this.setLocal('CHUT_CAPTCHA_INPUT', '');
      this.setLocal('READSTATUS', 'ERROR');
      this.exec('GotoIf', '1?prompt-failed,1');
      return null;
    }
    const b = this.call.behaviour;
    const plan = b.kind === 'types-what-it-hears' ? { digits: heard, delay: b.delayMs ?? 300 }
      : b.kind === 'types' ? { digits: b.digits, delay: b.delayMs ?? 300 } : null;
    if (!plan || plan.delay >= firstMs) {
      await this.wait(firstMs);
      return '';
    }
    await this.wait(plan.delay);
    let got = '';
    for (const d of plan.digits.slice(0, heard.length)) {
      this.dtmfNow(d);
      got += d;
      await this.wait(this.t.dtmfGapMs);
    }
    if (got.length < heard.length) await this.wait(interMs);
    return got;
  }

  private dtmfNow(digits: string): void {
    for (const d of digits) {
      this.emit('DTMFBegin', [['Digit', d], ['Direction', 'Received']]);
      this.emit('DTMFEnd', [['Digit', d], ['DurationMs', '100'], ['Direction', 'Received']]);
    }
  }
}
