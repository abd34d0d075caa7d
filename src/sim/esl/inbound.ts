/**
 * The simulated inbound event socket (FreeSWITCH's port 8021) for chut's monitoring client: `auth/request`,
 * `auth <password>` → `+OK accepted` or `-ERR invalid` + disconnect-notice + close, commands before auth →
 * `-ERR command not found`, `event plain|json <names…>|ALL`, `noevents`, `exit`; then the simulated
 * channels' events in the subscribed format, and a HEARTBEAT every 20 s (FreeSWITCH's default
 * `event-heartbeat-interval`) to clients subscribed to it: chut's monitor takes a silent socket for a dead one.
 * `aclDenies` makes it refuse every connection as mod_event_socket does a client its `apply-inbound-acl` denies.
 * For fuzz and fault tests, `writeRaw` and `loginAnswers` put arbitrary bytes, malformed or not, on the socket.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { authRequest, CORE_UUID, disconnectNotice, jsonEvent, plainEvent, readCommandLines, reply, rudeRejection, type Headers } from './frames.js';

interface Client {
  socket: Socket;
  authed: boolean;
  format: 'plain' | 'json' | null;
  names: Set<string>;
}

/** The frames a client's login gets, in order: the greeting, the reply to `auth`, the reply to its `event` commands. */
export type LoginStep = 'auth/request' | 'reply to auth' | 'reply to event';

/** What the server sends at a login step instead of its own frame (`usual`): any bytes, malformed or not. */
export type LoginAnswers = (step: LoginStep, usual: string) => Buffer | string;

const KNOWN = /^(ALL|CHANNEL_[A-Z_]+|DTMF|HEARTBEAT|BACKGROUND_JOB|PLAYBACK_START|PLAYBACK_STOP|CUSTOM)$/;

/** FreeSWITCH's default `event-heartbeat-interval`. */
export const HEARTBEAT_INTERVAL_MS = 20_000;

export class InboundEventServer {
  private server: Server | null = null;
  private readonly clients = new Set<Client>();
  private heartbeat: NodeJS.Timeout | null = null;
  private heartbeatSeq = 0;
  port = 0;
  /** Connections accepted since start (a client that keeps retrying shows here). */
  connectionsAccepted = 0;
  /** Every client's address is outside the `apply-inbound-acl` list (event_socket.conf.xml): each connection gets the
   * rude rejection, the disconnect notice and a close, before any `auth/request` (mod_event_socket's listener_run). */
  aclDenies = false;
  /** When set, each login step sends what this returns instead of FreeSWITCH's frame (see LoginStep). The server's own
   * state follows the commands as usual: the right password authenticates the client whatever bytes went back. */
  loginAnswers: LoginAnswers | null = null;

  constructor(private readonly password: string, private readonly heartbeatMs = HEARTBEAT_INTERVAL_MS) {}

  get authenticatedClients(): number {
    return [...this.clients].filter((c) => c.authed).length;
  }

  async start(port = 0): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const a = server.address();
    this.port = typeof a === 'object' && a ? a.port : 0;
    this.heartbeat = setInterval(() => this.publish(this.heartbeatHeaders()), this.heartbeatMs);
    this.heartbeat.unref();
  }

  /** The fields of the recorded HEARTBEAT (esl-inbound-auth.txt) a monitor could read. */
  private heartbeatHeaders(): Headers {
    this.heartbeatSeq += 1;
    return [['Event-Name', 'HEARTBEAT'], ['Core-UUID', CORE_UUID], ['FreeSWITCH-Hostname', 'sim'],
      ['Event-Date-Timestamp', String(Date.now() * 1000)], ['Event-Calling-File', 'switch_core.c'],
      ['Event-Calling-Function', 'send_heartbeat'], ['Event-Sequence', String(this.heartbeatSeq)], ['Event-Info', 'System Ready']];
  }

  /** Drops every client and stops listening (a FreeSWITCH restart, for reconnect tests). */
  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    for (const c of this.clients) c.socket.destroy();
    this.clients.clear();
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Whether any subscribed client would receive an event (building one costs ~150 headers). */
  get hasSubscribers(): boolean {
    for (const c of this.clients) if (c.authed && c.format && !c.socket.destroyed) return true;
    return false;
  }

  publish(headers: Headers): void {
    const name = headers.find(([k]) => k === 'Event-Name')?.[1] ?? '';
    for (const c of this.clients) {
      if (!c.authed || !c.format || c.socket.destroyed) continue;
      if (!c.names.has('ALL') && !c.names.has(name)) continue;
      c.socket.write(c.format === 'json' ? jsonEvent(headers) : plainEvent(headers));
    }
  }

  /** Writes `bytes` as they are, malformed or not, to every client subscribed to events (a monitor logged in), as one
   * write each; returns how many clients got them. */
  writeRaw(bytes: Buffer | string): number {
    let written = 0;
    for (const c of this.clients) {
      if (!c.authed || !c.format || c.socket.destroyed) continue;
      c.socket.write(bytes);
      written++;
    }
    return written;
  }

  /** A login step's frame, or what `loginAnswers` sends instead. */
  private loginFrame(step: LoginStep, usual: string): Buffer | string {
    return this.loginAnswers ? this.loginAnswers(step, usual) : usual;
  }

  private accept(socket: Socket): void {
    this.connectionsAccepted++;
    if (this.aclDenies) {
      socket.on('error', () => undefined);
      socket.end(rudeRejection() + disconnectNotice(null));
      return;
    }
    const client: Client = { socket, authed: false, format: null, names: new Set() };
    this.clients.add(client);
    socket.on('close', () => this.clients.delete(client));
    readCommandLines(socket, (line) => this.onCommand(client, line));
    socket.write(this.loginFrame('auth/request', authRequest()));
  }

  private onCommand(c: Client, line: string): void {
    const [cmd = '', ...args] = line.split(' ');
    if (!c.authed) {
      if (cmd !== 'auth') return void c.socket.write(reply('-ERR command not found'));
      if (args.join(' ') === this.password) {
        c.authed = true;
        return void c.socket.write(this.loginFrame('reply to auth', reply('+OK accepted')));
      }
      c.socket.write(this.loginFrame('reply to auth', reply('-ERR invalid')));
      c.socket.end(disconnectNotice(null));
      return;
    }
    if (cmd === 'event') {
      const [format = '', ...names] = args;
      const valid = names.filter((n) => KNOWN.test(n));
      if (!['plain', 'json', 'xml'].includes(format) || valid.length === 0) {
        return void c.socket.write(this.loginFrame('reply to event', reply('-ERR no keywords supplied')));
      }
      c.format = format === 'json' ? 'json' : 'plain';
      for (const n of valid) c.names.add(n);
      return void c.socket.write(this.loginFrame('reply to event', reply(`+OK event listener enabled ${format}`)));
    }
    if (cmd === 'noevents') {
      c.names.clear();
      return void c.socket.write(reply('+OK no longer listening for events'));
    }
    if (cmd === 'exit') {
      c.socket.write(reply('+OK bye'));
      c.socket.end(disconnectNotice(null));
      return;
    }
    c.socket.write(reply('-ERR command not found'));
  }
}
