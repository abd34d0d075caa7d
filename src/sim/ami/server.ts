/**
 * The fake Asterisk Manager: TCP on loopback, banner, Login (a wrong password answers ~1 s late, then the
 * socket closes), `Permission denied` before Login, Events/EventMask, Ping, Logoff, Setvar/Getvar (a missing
 * Channel sets a GLOBAL, as a real Asterisk does: recorded so tests can prove chut never does it), Redirect,
 * and event broadcast to every logged-in session with events on. Every packet a client sends is kept.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { eventClass, varSet, type SimChannel } from './channel.js';
import { BANNER, PacketReader, header, serialize, type Header, type Packet } from './wire.js';

export interface ReceivedAction { session: number; packet: Packet; at: number }

interface Session {
  id: number;
  socket: Socket;
  reader: PacketReader;
  authed: boolean;
  /** null = all classes, empty set = none. */
  mask: Set<string> | null;
}

export interface AmiServerOptions {
  user: string;
  password: string;
  loginFailDelayMs?: number;
}

const MAX_RECEIVED = 50_000;

export class AmiServer {
  readonly channels = new Map<string, SimChannel>();
  readonly globals = new Map<string, string>();
  readonly received: ReceivedAction[] = [];
  readonly redirects: Packet[] = [];
  /** Sound files this Asterisk does not have: a Playback naming one ends with PLAYBACKSTATUS=FAILED. */
  readonly missingSounds = new Set<string>();
  /** Voicemail boxes this Asterisk does not have (`BOX@CONTEXT`, `@default` written out): VM_INFO(box,exists) says 0
   * and VoiceMail() ends with VMSTATUS=FAILED. Every other box exists. */
  readonly missingMailboxes = new Set<string>();
  /** app_voicemail is loaded: without it VM_INFO is no function (it reads as empty) and TryExec(VoiceMail()) sets
   * TRYSTATUS=NOAPP. */
  voicemailApp = true;
  /**
   * Which chut-ami.conf the calls run: 2, the shipped one (ChutVersion 2, a `ChutRouted` UserEvent as the first step
   * of each route, VM_INFO before VoiceMail); 1, the snippet before it (no ChutRouted, no VM_INFO: a missing box is
   * only found by VoiceMail() itself, and rings).
   */
  snippetVersion: 1 | 2 = 2;
  /** Set to refuse every Login (fault injection). */
  rejectLogins = false;
  /** Extra delay before any action is processed (a slow network / slow chut side). */
  actionDelayMs = 0;
  /**
   * Fault injection: an action this returns a promise for is processed (and answered) only once it resolves, an
   * Asterisk that handles it late, at a known point rather than after a delay that races the dialplan's wait. The
   * session's other actions go on meanwhile: return the same promise for actions that must stay in order.
   */
  holdAction: ((packet: Packet) => Promise<void> | null) | null = null;
  loginCount = 0;
  /** Called as each client packet arrives, before any delay (benchmarks time chut's answers with it). */
  onAction: ((packet: Packet) => void) | null = null;
  /**
   * Fault injection (tests/fakes/ami): sees every event before it goes out and decides when, or whether, to call
   * `deliver`, which writes it to the sessions logged in at that moment.
   */
  eventHook: ((packet: Packet, deliver: () => void) => void) | null = null;
  /** Variables every new inbound call carries into the dialplan (inherited `__CHUT_*` ones, or left by an earlier
   * pass through chut-screen): the snippet must clear them before it asks chut. */
  readonly inheritedVars = new Map<string, string>();
  /**
   * Fault injection: the caller hangs up right after a Setvar this returns true for has landed on its channel (e.g.
   * CHUT_DECISION=captcha: a hang-up once chut asked for a captcha, before the IVR answers), at a known point rather
   * than after a delay that races chut's answer.
   */
  hangUpOnSetvar: ((variable: string, value: string) => boolean) | null = null;
  /** Sees every event this Asterisk emits (tests read what the dialplan ran from its Newexten events). */
  onEvent: ((packet: Packet) => void) | null = null;
  private server: Server | null = null;
  private sessions = new Set<Session>();
  private nextSession = 1;
  private startedAt = Date.now();
  port = 0;

  constructor(private readonly opts: AmiServerOptions) {}

  async listen(port = 0): Promise<number> {
    this.startedAt = Date.now();
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
    return this.port;
  }

  async close(): Promise<void> {
    this.dropConnections();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  dropConnections(): void {
    for (const s of this.sessions) s.socket.destroy();
    this.sessions.clear();
  }

  /** Logged-in sessions that receive events. */
  listeners(): number {
    let n = 0;
    for (const s of this.sessions) if (s.authed && s.mask?.size !== 0) n += 1;
    return n;
  }

  broadcast(packet: Packet): void {
    this.onEvent?.(packet);
    if (this.eventHook) this.eventHook(packet, () => this.deliver(packet));
    else this.deliver(packet);
  }

  private deliver(packet: Packet): void {
    const cls = eventClass(packet);
    let text: string | null = null;
    for (const s of this.sessions) {
      if (!s.authed || (s.mask && !s.mask.has(cls))) continue;
      text ??= serialize(packet);
      s.socket.write(text);
    }
  }

  /** Raw bytes to every logged-in session (malformed-packet faults). */
  writeRaw(bytes: string): void {
    for (const s of this.sessions) if (s.authed) s.socket.write(bytes);
  }

  /** Whether app_voicemail knows this box (find_user): `BOX` means `BOX@default`. */
  mailboxExists(box: string): boolean {
    return this.voicemailApp && !this.missingMailboxes.has(box.includes('@') ? box : `${box}@default`);
  }

  uptime(): number {
    return Math.floor((Date.now() - this.startedAt) / 1000);
  }

  private accept(socket: Socket): void {
    const session: Session = { id: this.nextSession++, socket, reader: new PacketReader(), authed: false, mask: null };
    this.sessions.add(session);
    socket.setEncoding('utf8');
    socket.setNoDelay(true); // as Asterisk's manager does: no Nagle delay on events
    socket.on('error', () => undefined);
    socket.on('close', () => this.sessions.delete(session));
    socket.on('data', (chunk: string) => {
      for (const packet of session.reader.push(chunk)) this.onPacket(session, packet);
    });
    socket.write(BANNER);
  }

  private onPacket(s: Session, packet: Packet): void {
    if (this.received.length >= MAX_RECEIVED) this.received.shift();
    this.received.push({ session: s.id, packet, at: Date.now() });
    this.onAction?.(packet);
    const hold = this.holdAction?.(packet) ?? null;
    if (hold) void hold.then(() => this.dispatch(s, packet));
    else if (this.actionDelayMs > 0) setTimeout(() => this.dispatch(s, packet), this.actionDelayMs);
    else this.dispatch(s, packet);
  }

  private reply(s: Session, packet: Packet, response: string, fields: Header[]): void {
    const id = header(packet, 'ActionID');
    const out: Header[] = [['Response', response]];
    if (id !== undefined) out.push(['ActionID', id]);
    if (!s.socket.destroyed) s.socket.write(serialize([...out, ...fields]));
  }

  private dispatch(s: Session, packet: Packet): void {
    const action = (header(packet, 'Action') ?? '').toLowerCase();
    if (action === 'login') return this.login(s, packet);
    if (!s.authed) return this.reply(s, packet, 'Error', [['Message', 'Permission denied']]);
    switch (action) {
      case 'ping': return this.reply(s, packet, 'Success', [['Ping', 'Pong'], ['Timestamp', (Date.now() / 1000).toFixed(6)]]);
      case 'events': return this.events(s, packet);
      case 'logoff':
        this.reply(s, packet, 'Goodbye', [['Message', 'Thanks for all the fish.']]);
        s.socket.end();
        return;
      case 'setvar': return this.setvar(s, packet);
      case 'getvar': return this.getvar(s, packet);
      case 'redirect': return this.redirect(s, packet);
      default:
        return this.reply(s, packet, 'Error', [['Message',
          `Invalid/unknown command: ${header(packet, 'Action') ?? ''}. Use Action: ListCommands to show available commands.`]]);
    }
  }

  private login(s: Session, packet: Packet): void {
    const ok = !this.rejectLogins && header(packet, 'Username') === this.opts.user && header(packet, 'Secret') === this.opts.password;
    if (!ok) {
      setTimeout(() => {
        this.reply(s, packet, 'Error', [['Message', 'Authentication failed']]);
        s.socket.end();
      }, this.opts.loginFailDelayMs ?? 1000);
      return;
    }
    this.loginCount += 1;
    s.authed = true;
    const events = (header(packet, 'Events') ?? 'on').toLowerCase();
    s.mask = parseMask(events);
    this.reply(s, packet, 'Success', [['Message', 'Authentication accepted']]);
    if (s.mask?.size === 0) return;
    const up = String(this.uptime());
    s.socket.write(serialize([['Event', 'FullyBooted'], ['Privilege', 'system,all'], ['Uptime', up], ['LastReload', up], ['Status', 'Fully Booted']]));
    this.broadcast([
      ['Event', 'SuccessfulAuth'], ['Privilege', 'security,all'], ['EventTV', new Date().toISOString()], ['Severity', 'Informational'],
      ['Service', 'AMI'], ['EventVersion', '1'], ['AccountID', this.opts.user], ['SessionID', `0x${s.id.toString(16)}`],
      ['LocalAddress', `IPV4/TCP/127.0.0.1/${this.port}`], ['RemoteAddress', `IPV4/TCP/127.0.0.1/${s.socket.remotePort ?? 0}`],
      ['UsingPassword', '0'], ['SessionTV', new Date().toISOString()],
    ]);
  }

  private events(s: Session, packet: Packet): void {
    s.mask = parseMask((header(packet, 'EventMask') ?? 'off').toLowerCase());
    this.reply(s, packet, 'Success', [['Events', s.mask?.size === 0 ? 'Off' : 'On']]);
  }

  private live(packet: Packet): SimChannel | undefined {
    const name = header(packet, 'Channel');
    const ch = name === undefined ? undefined : this.channels.get(name);
    return ch?.alive ? ch : undefined;
  }

  private setvar(s: Session, packet: Packet): void {
    const name = header(packet, 'Channel');
    const variable = header(packet, 'Variable');
    const value = header(packet, 'Value') ?? '';
    if (!variable) return this.reply(s, packet, 'Error', [['Message', 'No variable specified']]);
    if (name === undefined) {
      this.globals.set(variable, value);
      return this.reply(s, packet, 'Success', [['Message', 'Variable Set']]);
    }
    const ch = this.live(packet);
    if (!ch) return this.reply(s, packet, 'Error', [['Message', 'No such channel']]);
    ch.vars.set(variable, value);
    this.reply(s, packet, 'Success', [['Message', 'Variable Set']]);
    this.broadcast(varSet(ch, variable, value));
    if (this.hangUpOnSetvar?.(variable, value)) ch.hangUp?.();
  }

  private getvar(s: Session, packet: Packet): void {
    const variable = header(packet, 'Variable') ?? '';
    if (header(packet, 'Channel') === undefined) {
      return this.reply(s, packet, 'Success', [['Variable', variable], ['Value', this.globals.get(variable) ?? '']]);
    }
    const ch = this.live(packet);
    if (!ch) return this.reply(s, packet, 'Error', [['Message', 'No such channel']]);
    this.reply(s, packet, 'Success', [['Variable', variable], ['Value', ch.vars.get(variable) ?? '']]);
  }

  private redirect(s: Session, packet: Packet): void {
    const name = header(packet, 'Channel');
    if (name === undefined) return this.reply(s, packet, 'Error', [['Message', 'Channel not specified']]);
    if (!this.live(packet)) return this.reply(s, packet, 'Error', [['Message', `Channel does not exist: ${name}`]]);
    this.redirects.push(packet);
    this.reply(s, packet, 'Success', [['Message', 'Redirect successful']]);
  }
}

function parseMask(value: string): Set<string> | null {
  if (value === 'on' || value === 'all') return null;
  if (value === 'off' || value === '') return new Set();
  return new Set(value.split(',').map((c) => c.trim()).filter(Boolean));
}
