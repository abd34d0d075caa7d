/**
 * One simulated FreeSWITCH channel running `socket <chut> async full`: opens the outbound connection,
 * answers chut's commands as the real socket app does, runs the apps chut sends (with a simulated caller on
 * the line) and decides where the call ended up. The dialplan around the socket is modelled too: when the
 * socket app returns (nothing listening, chut closing after `connect`) the call continues to ring; when chut
 * accepts and closes without `connect` the call stays parked (dead air), as on a real FreeSWITCH.
 *
 * chut.xml's bound on a hung chut is part of that dialplan (public context only, unless `dialplanBound` is null):
 * chut-screen sets `chut_screened=true`; for a dialled number that is safe in sched_transfer's arguments it sets
 * `chut_bound` and runs `sched_transfer +<bound> ${destination_number} XML ${context}` (for any other number it sets
 * `chut_bound_skipped` instead); then `socket`, then `sched_cancel`. When a scheduled transfer runs while the call is up it takes the
 * call wherever it is (waiting for `connect`, parked under chut's control, in the middle of an app chut queued, or
 * already past the socket app) and routes it again: back in its context chut-screen is skipped (`chut_screened`) and
 * the normal route rings. From FreeSWITCH's source (switch_ivr_session_transfer sets CF_TRANSFER and CS_ROUTING,
 * so switch_channel_ready() is false and the socket app's wait and park loops end, as does a playback or digit
 * wait), not from a recording.
 *
 * The feature codes' extensions (context default, `*77`/`*78`) are modelled too: `sched_transfer +<featureBound> <code>
 * XML default` before `socket`, `sched_cancel` after it, then the "nothing was reported" tone and hangup; a scheduled
 * transfer brings the call back to its extension, where `chut_feature` is set, and its anti-actions play the same tone
 * and hang up.
 */
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { SimulatedRoute } from '../types.js';
import type { ChannelEnv, EslOutcome, EslSimulatedCall } from './sim-types.js';

export { noFaults, type ChannelEnv, type EslFaults, type EslOutcome, type EslSimulatedCall } from './sim-types.js';
import { apiResponse, connectReply, GARBAGE, disconnectNotice, lingerNotice, plainEvent, reply, splitCommands, type Headers } from './frames.js';
import { runApp, type AppHost } from './apps.js';
import { CalleeLeg } from './callee.js';
import { channelData, channelName, eventHeaders, featureCodeOf, hangupFacts, sipVariables, type ChannelState, type OtherLeg, type ProfileTimes } from './headers.js';
import { apiReply, APP_MODULES, moduleLoaded, SIM_DOMAIN } from './directory.js';
import { deleteTasks, schedApiReply } from './scheduler.js';
import { argPattern } from '../../esl/command.js';

/** chut.xml's condition on destination_number before it arms the bound (`^[A-Za-z0-9_.+*#-]{1,64}\z` in PCRE: chut's
 * rule for a dial plan name). */
const BOUNDABLE_DESTINATION = argPattern.dialplanName;
/** Where a blind transfer after the pickup takes the caller (`destination.transferAfterMs`): an IVR that bridges
 * nowhere. */
export const TRANSFER_AFTER_PICKUP_EXTENSION = '7000';
/** What chut.xml's feature-code extensions play themselves when chut did not answer: "nothing was reported". */
const NOTHING_REPORTED_TONE = 'tone_stream://%(500,500,480,620);loops=2';

export class SimChannel implements AppHost {
  readonly uuid = randomUUID();
  readonly vars: Record<string, string>;
  readonly dtmf: string[] = [];
  answered = false;
  /** Answered after screening (the user's phone picked up, or a call-centre queue took the call): not an answer by chut. */
  private userAnswered = false;
  /** The caller profile's times (µs since the epoch), as FreeSWITCH keeps them: answered by chut, the destination or the
   * user's phone; early media; bridged to the leg the destination dialled (when it answered or had early media). */
  private times: ProfileTimes = { answered: 0, progressMedia: 0, bridged: 0, hungUp: 0 };
  /** The caller profile's destination number: the dialled one, until a transfer after the pickup installs a new profile. */
  private destination: string;
  /** The leg the normal destination dialled, once it did. */
  private callee: CalleeLeg | null = null;
  /** The leg this one is bridged to (its events' `Other-Leg-*`): the callee while bridged, until a transfer. */
  private bridgedTo: OtherLeg | null = null;
  private hangupCause: string | null = null;
  /** The channel's variables when the call went on in the dial plan after screening. */
  private varsAtDestination: Record<string, string> | null = null;
  hungUp = false;
  heard = '';
  heardSinceAsked = '';
  private route: SimulatedRoute | null = null;
  private digitWaiter: (() => void) | null = null;
  private socket: Socket | null = null;
  private connected = false;
  /** A `transfer` ended the socket app: the dialplan around it no longer runs. */
  private transferredAway = false;
  /** The call runs chut.xml's chut-screen with the bound's conditions (so `sched_cancel` runs after `socket`). */
  private bounded = false;
  /** A scheduled transfer took the call away: the app running stops, and nothing chut queues runs any more. */
  interrupted = false;
  /** The call reached its normal destination (or a transfer target): the socket app is over. */
  private afterScreening = false;
  private boundTransfers = 0;
  /** The tone the dial plan played itself (a feature code's "nothing was reported"). */
  private dialplanTone: string | null = null;
  private events = false;
  private linger = 0;
  private buffer = '';
  private readonly started = Date.now();
  private connectSentAt = 0;
  private routedAt: number | null = null;
  private readonly commands: string[] = [];
  private readonly executed: Array<{ app: string; arg: string }> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Media in progress (`sleep`): a scheduled transfer ends it at once. */
  private readonly sleepers = new Set<() => void>();
  private queue: Promise<void> = Promise.resolve();
  private resolveOutcome: (o: EslOutcome) => void = () => undefined;
  readonly outcome = new Promise<EslOutcome>((resolve) => { this.resolveOutcome = resolve; });

  constructor(readonly call: EslSimulatedCall, readonly env: ChannelEnv) {
    // mod_sofia's variables from the INVITE, then the dialplan's
    this.vars = { ...sipVariables(call), domain_name: SIM_DOMAIN, ...call.channelVariables };
    this.destination = call.dialled;
  }

  start(): Promise<EslOutcome> {
    this.publish('CHANNEL_CREATE');
    this.later(this.call.maxDurationMs ?? 15_000, () => this.end('dead-air', 'NO_ANSWER'));
    this.armHangUp();
    this.armBound();
    const socket = connect({ host: this.env.host, port: this.env.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    // Nothing listening: the socket app logs "Connection refused" and returns; the dialplan continues.
    socket.on('error', () => { if (!this.connected) this.socketReturned(); });
    socket.on('data', (chunk: string) => this.onData(chunk));
    // 'end' (chut's FIN) is the moment the socket app sees the connection end; 'close' covers resets.
    socket.on('end', () => this.onSocketClosed());
    socket.on('close', () => this.onSocketClosed());
    return this.outcome;
  }

  /** The context the call runs in (chut.xml screens `public`; the feature codes come from `default`). */
  get context(): string {
    return this.call.fromInternalPhone ? 'default' : 'public';
  }

  /** chut-screen's actions before `socket`: `set chut_screened=true`; then, when destination_number passes the
   * condition, `set chut_bound=<bound>` and `sched_transfer +${chut_bound} ${destination_number} XML ${context}`
   * (which sets `last_sched_id`), else the anti-action `set chut_bound_skipped=destination`. */
  private armBound(): void {
    if (this.call.fromInternalPhone) return this.armFeatureBound();
    const bound = this.env.dialplanBound;
    if (bound === null) return;
    this.vars.chut_screened = 'true';
    this.bounded = true;
    if (!BOUNDABLE_DESTINATION.test(this.call.dialled)) {
      this.vars.chut_bound_skipped = 'destination';
      return;
    }
    this.vars.chut_bound = String(bound);
    const id = this.env.scheduleTransfer(bound, this.uuid, this.call.dialled, 'XML', this.context);
    if (id !== null) this.vars.last_sched_id = String(id);
  }

  /** A feature-code extension's action before `socket`: `sched_transfer +<bound> <code> XML default` (literal arguments:
   * the code is the one its condition matched). */
  private armFeatureBound(): void {
    const bound = this.env.featureBound;
    if (bound === null || featureCodeOf(this.call) === undefined) return;
    this.bounded = true;
    const id = this.env.scheduleTransfer(bound, this.uuid, this.call.dialled, 'XML', this.context);
    if (id !== null) this.vars.last_sched_id = String(id);
  }

  /**
   * A scheduled transfer runs (the scheduler thread calls switch_ivr_session_transfer): nothing for a call that is
   * gone; otherwise the call leaves whatever it was doing and is routed again to `extension` in `context`.
   */
  scheduledTransfer(extension: string, context: string): void {
    if (this.hungUp) return;
    this.boundTransfers++;
    this.interrupted = true;
    // The app in progress ends (its completion goes out first), then the socket app's wait or park loop
    this.digitWaiter?.();
    for (const wake of [...this.sleepers]) wake();
    const inSocketApp = !this.afterScreening && !this.transferredAway;
    this.transferredAway = true;
    if (inSocketApp && !this.env.faults.dropSocketCompletion) {
      this.later(1, () => this.publish('CHANNEL_EXECUTE_COMPLETE', [['Application', 'socket'], ['Application-Response', '_none_']]));
    }
    // A feature code back at its own extension: chut_feature is set, so the extension's anti-actions run
    if (featureCodeOf(this.call) !== undefined && context === this.context && extension === this.call.dialled) {
      return this.nothingReported(this.linger === 0);
    }
    // Back in its own context under its own number, chut-screen is skipped (chut_screened) and the normal route runs
    const normal = context === this.context && extension === this.call.dialled && this.vars.chut_screened === 'true';
    const target = normal ? 'ring' : this.env.transfers[`${extension} ${context}`];
    if (!target) {
      this.route = null;
      this.noRoute();
      return;
    }
    this.route = target;
    if (!this.afterScreening) this.continueAfterScreening(this.linger === 0);
  }

  // ---- AppHost: what apps need from the channel
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => { this.sleepers.delete(wake); resolve(); };
      this.sleepers.add(wake);
      this.later(ms, wake);
    });
  }
  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => { this.timers.delete(t); fn(); }, ms);
    this.timers.add(t);
  }
  publish(name: string, extra: Headers = []): void {
    const toOutbound = this.events && this.connected && this.socket !== null && !this.socket.destroyed;
    const toInbound = this.env.hasSubscribers();
    if (!toOutbound && !toInbound) return; // nobody listens: like FreeSWITCH, build nothing
    const headers = this.eventHeaders(name, extra);
    if (toInbound) this.env.publish(headers);
    if (toOutbound) this.socket?.write(plainEvent(headers));
  }
  /** Another leg's event (the leg the call dialled): to the inbound event socket only, built only for a subscriber. */
  private publishInbound(build: () => Headers): void {
    if (this.env.hasSubscribers()) this.env.publish(build());
  }
  markRouted(): void {
    this.routedAt ??= performance.now();
  }
  setRoute(route: SimulatedRoute): void {
    this.route ??= route;
  }
  answer(): void {
    if (this.answered) return;
    this.answered = true;
    this.times.answered ||= Date.now() * 1000;
    this.publish('CHANNEL_ANSWER');
    this.armHangUp();
    const b = this.call.behaviour;
    if (b.kind === 'blasts-dtmf') this.typeDigits(b.digits);
  }
  typeDigits(digits: string): void {
    this.dtmf.push(...digits.split(''));
    this.digitWaiter?.();
  }
  nextDigit(ms: number): Promise<string | null> {
    const queued = this.dtmf.shift();
    if (queued !== undefined || this.hungUp || this.interrupted) return Promise.resolve(queued ?? null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.digitWaiter = null; resolve(null); }, ms);
      this.digitWaiter = () => {
        clearTimeout(timer);
        this.digitWaiter = null;
        resolve(this.dtmf.shift() ?? null);
      };
    });
  }
  hangup(cause: string, byCaller: boolean): void {
    if (this.hungUp) return;
    this.digitWaiter?.();
    if (byCaller) this.setRoute('hung-up');
    else this.setRoute('reject');
    this.endCall(cause);
  }

  /** The caller's leg hangs up (and the leg it dialled with it): both hang-up events, the connection ends, the outcome. */
  private endCall(cause: string): void {
    this.hungUp = true;
    this.hangupCause = cause;
    this.times.hungUp = Date.now() * 1000;
    this.publish('CHANNEL_HANGUP');
    this.publish('CHANNEL_HANGUP_COMPLETE', this.hangupFacts());
    this.callee?.hangup(cause);
    this.closeOutbound();
    this.finish();
  }
  noRoute(): void {
    // The transfer itself completes; the socket app is over, so chut closing the connection no longer continues
    // the old dialplan. The hunt in the new context finds nothing: "No Route, Aborting", NO_ROUTE_DESTINATION.
    this.transferredAway = true;
    this.later(1, () => this.hangup('NO_ROUTE_DESTINATION', false));
  }
  /**
   * A `transfer` that found its target. As esl-outbound-session.txt shows: the transfer's own CHANNEL_EXECUTE_COMPLETE
   * first (execute() publishes it when the app returns), then the socket app's; with `linger` the connection stays
   * open until the hang-up, and only then come the linger and disconnect notices.
   */
  transferred(route: SimulatedRoute): void {
    this.setRoute(route);
    this.later(1, () => {
      this.publish('CHANNEL_EXECUTE_COMPLETE', [['Application', 'socket'], ['Application-Response', '_none_']]);
      this.continueAfterScreening(this.linger === 0);
    });
  }

  // ---- the outbound connection
  private onData(chunk: string): void {
    this.buffer += chunk;
    const { commands, rest } = splitCommands(this.buffer);
    this.buffer = rest;
    for (const cmd of commands) this.onCommand(cmd.line, cmd.headers);
  }

  private write(frame: string): void {
    const send = () => { if (this.socket && !this.socket.destroyed) this.socket.write(frame); };
    if (this.env.faults.replyDelayMs > 0) this.later(this.env.faults.replyDelayMs, send);
    else send();
  }

  private onCommand(line: string, headers: Record<string, string>): void {
    const name = line.split(' ')[0] ?? '';
    const app = headers['execute-app-name'];
    this.commands.push(app ? `${line} ${app}` : line);
    const f = this.env.faults;
    if (f.cutAfterCommands !== null && this.commands.length > f.cutAfterCommands) {
      this.socket?.destroy();
      return;
    }
    if (f.errNext > 0 && this.connected) {
      f.errNext--;
      this.write(reply('-ERR command refused'));
      return;
    }
    if (!this.connected) return this.onFirstCommand(name);
    switch (name) {
      case 'myevents': this.events = true; return this.write(reply('+OK Events Enabled'));
      case 'linger': this.linger = Number(line.split(' ')[1] ?? '0') || 600; return this.write(reply(`+OK will linger ${this.linger} seconds`));
      case 'nolinger': this.linger = 0; return this.write(reply('+OK will not linger'));
      case 'event': return this.write(reply('+OK event listener enabled plain'));
      case 'api': {
        const command = line.slice(4);
        const sched = schedApiReply(command, this.env.scheduler, (...args) => this.env.scheduleTransfer(...args));
        return this.write(apiResponse(sched ?? apiReply(command, this)));
      }
      case 'exit':
        this.write(reply('+OK bye'));
        this.write(disconnectNotice(null));
        this.socket?.end();
        return;
      case 'sendmsg': return this.onSendmsg(headers);
      default: return this.write(reply('-ERR command not found'));
    }
  }

  private onFirstCommand(name: string): void {
    if (name !== 'connect') return this.write(reply('-ERR command not found'));
    this.connected = true;
    const frame = connectReply(this.channelHeaders());
    this.connectSentAt = performance.now();
    if (this.env.faults.truncateConnectReply) {
      this.socket?.end(frame.slice(0, Math.floor(frame.length / 2)));
      return;
    }
    this.write(frame);
    if (this.env.faults.garbageAfterConnect) this.write(GARBAGE);
  }

  private onSendmsg(headers: Record<string, string>): void {
    if (this.hungUp) return this.write(reply(`-ERR invalid session id [${this.uuid}]`));
    if (this.env.faults.garbleReplyTo !== null && headers['execute-app-name'] === this.env.faults.garbleReplyTo) return this.write(GARBAGE);
    if (this.env.faults.refuseApp !== null && headers['execute-app-name'] === this.env.faults.refuseApp) return this.write(reply(this.env.faults.refusalText));
    this.write(reply('+OK'));
    const command = headers['call-command'];
    if (command === 'hangup') {
      this.markRouted();
      this.hangup(headers['hangup-cause'] ?? 'NORMAL_CLEARING', false);
      return;
    }
    if (command !== 'execute') return;
    const app = headers['execute-app-name'] ?? '';
    const arg = headers['execute-app-arg'] ?? '';
    const appUuid = headers['event-uuid'] ?? randomUUID();
    this.executed.push({ app, arg });
    this.queue = this.queue.then(() => this.execute(app, arg, appUuid)).catch(() => undefined);
  }

  private async execute(app: string, arg: string, appUuid: string): Promise<void> {
    if (this.hungUp || this.route !== null) return;
    const module = APP_MODULES[app];
    if (module !== undefined && !moduleLoaded(module, this.env.faults.unloadedModules)) {
      // "[ERR] Invalid Application voicemail": no CHANNEL_EXECUTE, the channel is hung up
      this.markRouted();
      this.hangup('DESTINATION_OUT_OF_ORDER', false);
      return;
    }
    const ids: Headers = [['Application', app], ['Application-Data', arg], ['Application-UUID', appUuid]];
    this.publish('CHANNEL_EXECUTE', ids);
    const jump = this.env.faults.clockJumpOn;
    if (jump?.app === app) {
      this.env.faults.clockJumpOn = null;
      this.env.scheduler.advance(jump.seconds);
    }
    const response = await runApp(this, app, arg);
    if (!this.hungUp) this.publish('CHANNEL_EXECUTE_COMPLETE', [...ids.slice(0, 2), ['Application-Response', response], ids[2] as [string, string]]);
  }

  private onSocketClosed(): void {
    if (this.hungUp || this.route !== null || this.transferredAway) return;
    // Closed after connect: the socket app returns and the dialplan continues (fail-open). Closed before
    // connect: FreeSWITCH logs "[CRIT] Socket Error!" and the channel stays parked: dead air.
    if (this.connected) this.socketReturned();
  }

  private socketReturned(): void {
    if (this.hungUp || this.route !== null) return;
    // chut-screen's next action: `sched_cancel` (no data: the tasks whose group is this call's uuid)
    if (this.bounded) deleteTasks(this.env.scheduler, this.uuid);
    this.markRouted();
    if (featureCodeOf(this.call) !== undefined) return this.nothingReported(true);
    this.setRoute('ring');
    this.continueAfterScreening();
  }

  /** A feature-code extension past the socket app (chut unreachable, or back from the bound): the "nothing was reported"
   * tone, then hangup. `closeNow`: nothing keeps the connection (no linger); else it ends at the hang-up. */
  private nothingReported(closeNow: boolean): void {
    this.afterScreening = true;
    if (closeNow) this.closeOutbound();
    this.dialplanTone = NOTHING_REPORTED_TONE;
    this.later(this.env.mediaMs, () => { if (!this.hungUp) this.hangup('NORMAL_CLEARING', false); });
  }

  /** The normal destination: the user's phone (or what a transfer reached) answers, then the call ends. `closeNow`:
   * the socket app is over and nothing keeps the connection (no linger); else it ends at the hang-up. */
  private continueAfterScreening(closeNow = true): void {
    this.afterScreening = true;
    this.varsAtDestination ??= { ...this.vars };
    if (closeNow) this.closeOutbound();
    this.later(5, () => {
      if (this.hungUp) return;
      // The call rang: the normal destination dials the user's phone and bridges the caller to it (whether chut answered
      // the leg for a captcha or not).
      if (this.route === 'ring') return this.dialUserPhone();
      // What a transfer reached (a voicemail system): answered, never bridged.
      this.answeredAfterScreening();
      this.later(this.env.talkMs, () => { if (!this.hungUp) this.endCall('NORMAL_CLEARING'); });
    });
  }

  /**
   * `bridge` to the user's phone, as FreeSWITCH 1.10 runs it (switch_ivr_originate, switch_ivr_multi_threaded_bridge):
   * with early media the caller's leg is pre-answered and bridged at the 183, while the phone still rings; otherwise it
   * is bridged when the phone answers. The phone's answer answers the caller's leg too (when chut has not). A transfer
   * after the pickup gives the caller's leg a new profile, without the bridge time. An enterprise originate or a
   * call-centre agent (`destination.dialledBy`) ignores early media: bridged once answered; `callcenter` answers the
   * caller's leg when the call enters the queue.
   */
  private dialUserPhone(): void {
    const d = this.call.destination ?? {};
    const dialledBy = d.dialledBy ?? 'bridge';
    if (dialledBy === 'callcenter') this.answeredAfterScreening();
    const callee = new CalleeLeg({ uuid: this.uuid, channelName: this.channelName(), destination: this.destination,
      callerName: this.call.callerName, callerNumber: this.call.callerNumber }, this.call.dialled, (build) => this.publishInbound(build), dialledBy);
    this.callee = callee;
    // ignore_early_media=true: a 183 is not bridged (switch_ivr_originate waits for the answer)
    const bridgesEarly = d.earlyMedia === true && dialledBy === 'bridge';
    if (d.earlyMedia) callee.earlyMedia();
    if (bridgesEarly) {
      this.preAnswer();
      this.bridge(callee);
    }
    const answerAfter = d.answerAfterMs === undefined ? 0 : d.answerAfterMs;
    // Nobody picks up: the caller gives up.
    if (answerAfter === null) return this.later(this.env.talkMs, () => { if (!this.hungUp) this.endCall('ORIGINATOR_CANCEL'); });
    this.later(answerAfter, () => {
      if (this.hungUp) return;
      callee.answer();
      if (!bridgesEarly) this.bridge(callee);
      this.answeredAfterScreening();
      if (d.transferAfterMs !== undefined) this.later(d.transferAfterMs, () => this.transferAfterPickup());
      this.later(this.env.talkMs, () => { if (!this.hungUp) this.endCall('NORMAL_CLEARING'); });
    });
  }

  /** Early media passed on to the caller: its leg is pre-answered (not when chut already answered it). */
  private preAnswer(): void {
    if (this.answered || this.times.progressMedia) return;
    this.times.progressMedia = Date.now() * 1000;
    this.publish('CHANNEL_PROGRESS_MEDIA');
  }

  /** The destination answered after screening: the caller's leg is answered now unless chut answered it. */
  private answeredAfterScreening(): void {
    if (this.answered || this.userAnswered) return;
    this.userAnswered = true;
    this.times.answered ||= Date.now() * 1000;
    this.publish('CHANNEL_ANSWER');
  }

  /** switch_ivr_multi_threaded_bridge: the bridge time on both legs, `last_bridge_to`, the callee id sent to the caller
   * (mod_sofia), then CHANNEL_BRIDGE. */
  private bridge(callee: CalleeLeg): void {
    const now = Date.now() * 1000;
    this.times.bridged ||= now;
    callee.bridged(now);
    this.bridgedTo = { type: 'originatee', uuid: callee.uuid, channelName: callee.channelName, destination: this.call.dialled };
    Object.assign(this.vars, {
      bridge_channel: callee.channelName, bridge_uuid: callee.uuid, last_bridge_to: callee.uuid,
      last_sent_callee_id_name: 'Outbound Call', last_sent_callee_id_number: this.call.dialled,
    });
    this.publish('CHANNEL_BRIDGE', [['Bridge-A-Unique-ID', this.uuid], ['Bridge-B-Unique-ID', callee.uuid]]);
  }

  /**
   * A blind transfer after the pickup (REFER from the phone, `uuid_transfer`): the bridge ends (CHANNEL_UNBRIDGE, the
   * phone's leg hangs up) and switch_ivr_session_transfer installs a new caller profile for the new extension, into which
   * switch_channel_set_caller_profile copies the answered, progress and hang-up times but not the bridge time.
   */
  private transferAfterPickup(): void {
    if (this.hungUp || !this.callee) return;
    this.publish('CHANNEL_UNBRIDGE', [['Bridge-A-Unique-ID', this.uuid], ['Bridge-B-Unique-ID', this.callee.uuid]]);
    this.callee.hangup('NORMAL_CLEARING');
    this.times = { ...this.times, bridged: 0 };
    this.destination = TRANSFER_AFTER_PICKUP_EXTENSION;
    this.bridgedTo = null;
  }

  private closeOutbound(): void {
    const s = this.socket;
    if (!s || s.destroyed || s.writableEnded || !this.connected) { s?.destroy(); return; }
    if (this.linger > 0) s.write(lingerNotice(this.uuid, this.channelName(), this.linger));
    s.end(disconnectNotice(this.uuid));
  }

  private armHangUp(): void {
    const b = this.call.behaviour;
    if (b.kind === 'hangs-up') this.later(b.afterMs, () => this.hangup('NORMAL_CLEARING', true));
  }

  private end(route: SimulatedRoute, cause: string): void {
    this.setRoute(route);
    this.hangup(cause, true);
  }

  private finish(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    // FreeSWITCH keeps such tasks until they run and find no channel; the simulator drops them with the call.
    const schedTasksLeft = this.env.scheduler.pending(this.uuid);
    this.env.scheduler.deleteGroup(this.uuid);
    this.resolveOutcome({
      route: this.route ?? 'hung-up', answered: this.answered, heardDigits: this.heard, callId: this.uuid,
      durationMs: Date.now() - this.started,
      routingLatencyMs: this.routedAt !== null && this.connectSentAt ? this.routedAt - this.connectSentAt : null,
      commands: this.commands, executed: this.executed, boundTransfers: this.boundTransfers, dialplanTone: this.dialplanTone, schedTasksLeft,
      varsAtDestination: this.varsAtDestination, destinationAtEnd: this.destination,
    });
  }
  private state(): ChannelState {
    const answerState = this.hungUp ? 'hangup' : this.answered || this.userAnswered ? 'answered' : this.times.progressMedia ? 'early' : 'ringing';
    return {
      uuid: this.uuid, call: this.call, channelName: this.channelName(), direction: 'inbound', callerName: this.call.callerName,
      callerNumber: this.call.callerNumber, destination: this.destination, answerState, hangupCause: this.hangupCause,
      started: this.started, times: this.times, other: this.bridgedTo, vars: this.vars,
    };
  }

  private channelName(): string {
    return channelName(this.call);
  }

  private hangupFacts(): Headers {
    return hangupFacts(this.state());
  }

  private channelHeaders(): Headers {
    return channelData(this.state(), `${this.env.host}:${this.env.port}`);
  }

  private eventHeaders(name: string, extra: Headers): Headers {
    return eventHeaders(this.state(), name, extra);
  }
}
