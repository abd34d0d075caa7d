/**
 * An internal phone dialling `*77`/`*78` on the simulated Asterisk, running chut-ami.conf's `[chut-features]` and
 * `[chut-report]` step by step: the `ChutReport` UserEvent, Answer, then (snippet 2) the wait in 0.1 s ticks for chut's
 * `CHUT_REPORTED` and the sound that answers it; the snippet of version 1 thanks the user whatever happened.
 * Tests read what the phone heard from the Playback/Playtones Newexten events.
 */
import type { SimulatedCall, SimulatedCallOutcome } from '../types.js';
import { channelEvent, chutEncode, hangupEvent, type SimChannel } from './channel.js';
import { DialplanChannel, HungUp } from './runner.js';
import type { AmiServer } from './server.js';

/** The feature codes of `[chut-features]` and the report each makes. */
export const FEATURE_CODES: Readonly<Record<string, 'spam' | 'allow'>> = { '*77': 'spam', '*78': 'allow' };

/** `[chut-report]`'s wait for CHUT_REPORTED: this many 0.1 s ticks (tests/unit/ami/dialplan-report.test.ts reads it in
 * the snippet). */
export const REPORT_WAIT_TICKS = 30;

/** What the phone hears for each answer; anything else (no answer in time, `failed`) is the information tone. */
export const REPORT_SOUNDS = {
  reported: ['Playback', 'auth-thankyou'],
  nobody: ['Playtones', 'busy'],
  failed: ['Playtones', '!914/274,!1371/274,!1777/380,!0/600'],
} as const;

const FEATURES = 'from-internal';
const REPORT = 'chut-report';

export class SimFeatureCall extends DialplanChannel {
  private readonly started = Date.now();

  constructor(server: AmiServer, private readonly call: SimulatedCall, ids: { seq: number; uniqueBase: number }, private readonly tickMs: number) {
    const uniqueid = `${ids.uniqueBase}.${ids.seq * 2 + 1}`;
    const ch: SimChannel = {
      name: `PJSIP/${call.callerNumber.replace(/[^0-9A-Za-z]/g, '') || 'phone'}-${ids.seq.toString(16).padStart(8, '0')}`,
      uniqueid, linkedid: uniqueid, state: 4, callerNum: call.callerNumber, callerName: call.callerName,
      connectedNum: '', connectedName: '', context: FEATURES, exten: call.dialled, priority: 1, vars: new Map(), alive: true,
    };
    super(server, ch);
    ch.hangUp = () => this.hangUpNow();
  }

  async run(): Promise<SimulatedCallOutcome> {
    this.server.channels.set(this.inbound.name, this.inbound);
    this.server.broadcast(channelEvent('Newchannel', this.inbound));
    const kind = FEATURE_CODES[this.call.dialled] ?? 'spam';
    try {
      if (this.server.snippetVersion < 2) await this.reportV1(kind);
      else await this.report(kind);
    } catch (err) {
      if (!(err instanceof HungUp)) throw err;
    }
    this.end();
    return { route: 'hung-up', answered: true, heardDigits: '', callId: this.inbound.uniqueid, durationMs: Date.now() - this.started };
  }

  abort(): void {
    this.hangUpNow();
  }

  private userEvent(kind: string, version: boolean): void {
    const headers: Array<[string, string]> = [
      ...(version ? [['ChutVersion', '2'] as [string, string]] : []),
      ['ChutKind', kind], ['ChutTarget', chutEncode(this.call.callerNumber)],
    ];
    this.exec('UserEvent', `ChutReport,${headers.map(([n, v]) => `${n}: ${v}`).join(',')}`);
    this.emit('UserEvent', [['UserEvent', 'ChutReport'], ...headers]);
  }

  private answer(): void {
    this.exec('Answer', '');
    this.inbound.state = 6;
    this.emit('Newstate');
  }

  private async report(kind: string): Promise<void> {
    this.exec('Gosub', `${REPORT},s,1(${kind})`);
    this.goto(REPORT, 's');
    this.exec('Set', 'CHUT_REPORTED=');
    this.setLocal('CHUT_REPORTED', '');
    this.userEvent(kind, true);
    this.answer();
    for (let tick = 0; tick < REPORT_WAIT_TICKS && !this.inbound.vars.get('CHUT_REPORTED'); tick += 1) {
      this.exec('Wait', '0.1');
      await this.wait(this.tickMs);
    }
    const answer = this.inbound.vars.get('CHUT_REPORTED') ?? '';
    const [app, data] = answer === 'reported' || answer === 'nobody' ? REPORT_SOUNDS[answer] : REPORT_SOUNDS.failed;
    this.exec(app, data);
    await this.wait(this.tickMs * 5);
    this.exec('Return', '');
    this.goto(FEATURES, this.call.dialled, 2);
    this.exec('Hangup', '');
  }

  private async reportV1(kind: string): Promise<void> {
    this.userEvent(kind, false);
    this.answer();
    this.exec(...REPORT_SOUNDS.reported);
    await this.wait(this.tickMs * 5);
    this.exec('Hangup', '');
  }

  private end(): void {
    if (!this.inbound.alive) return;
    this.inbound.alive = false;
    this.server.broadcast(hangupEvent(this.inbound, 16, 'Normal Clearing'));
    this.server.channels.delete(this.inbound.name);
  }
}
