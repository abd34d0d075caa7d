/**
 * A FreeSWITCH inbound event socket (port 8021) that misbehaves the ways a hung FreeSWITCH or a dropped NAT
 * flow do, for the monitor's login-timeout and liveness tests. What it does send is framed exactly as in
 * tests/fixtures/freeswitch/esl-inbound-auth.txt: `auth/request`, `+OK accepted` (or `-ERR invalid`, a
 * disconnect-notice and a close), `+OK event listener enabled plain`, `-ERR command not found`; HEARTBEAT goes
 * only to a connection subscribed to it (or to ALL), in the plain event framing of esl-inbound-events-plain.txt.
 *
 * - `mute`: accepts the TCP connection and never sends a byte.
 * - `no-auth-reply`: sends `auth/request`, then never answers.
 * - `silent-after-login`: logs the client in and answers its subscription, then never sends anything again
 *   and never closes (what a half-open connection looks like from the client's side).
 * - `heartbeats`: like `silent-after-login`, but sends a HEARTBEAT every `heartbeatMs` to subscribers.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { CORE_UUID, authRequest, disconnectNotice, plainEvent, readCommandLines, reply } from '../../../src/sim/esl/frames.js';

export type InboundFault = 'mute' | 'no-auth-reply' | 'silent-after-login' | 'heartbeats';

interface Client {
  socket: Socket;
  authed: boolean;
  heartbeats: boolean;
}

export class FaultyInboundSocket {
  /** TCP connections accepted so far. */
  connections = 0;
  /** Command lines received, in order, from every connection (`auth …` included). */
  readonly commands: string[] = [];
  port = 0;
  private server: Server | null = null;
  private readonly clients = new Set<Client>();
  private heartbeatTimer: NodeJS.Timeout | null = null;

  constructor(private readonly fault: InboundFault, private readonly opts: { password?: string; heartbeatMs?: number } = {}) {}

  /** Connections still open. */
  get openConnections(): number {
    return this.clients.size;
  }

  async start(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    if (this.fault === 'heartbeats') this.heartbeatTimer = setInterval(() => this.heartbeat(), this.opts.heartbeatMs ?? 20);
  }

  async stop(): Promise<void> {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    for (const c of this.clients) c.socket.destroy();
    this.clients.clear();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.connections++;
    const client: Client = { socket, authed: false, heartbeats: false };
    this.clients.add(client);
    socket.on('close', () => this.clients.delete(client));
    readCommandLines(socket, (line) => {
      this.commands.push(line);
      this.answer(client, line);
    });
    if (this.fault !== 'mute') socket.write(authRequest());
  }

  private answer(c: Client, line: string): void {
    if (this.fault === 'mute' || this.fault === 'no-auth-reply') return;
    const [cmd = '', ...args] = line.split(' ');
    if (!c.authed) {
      if (cmd !== 'auth') return void c.socket.write(reply('-ERR command not found'));
      c.authed = args.join(' ') === (this.opts.password ?? 'ClueCon');
      if (c.authed) return void c.socket.write(reply('+OK accepted'));
      c.socket.write(reply('-ERR invalid'));
      return void c.socket.end(disconnectNotice(null));
    }
    if (cmd === 'event' && args[0] === 'plain') {
      c.heartbeats ||= args.includes('HEARTBEAT') || args.includes('ALL');
      return void c.socket.write(reply('+OK event listener enabled plain'));
    }
    c.socket.write(reply('-ERR command not found'));
  }

  private heartbeat(): void {
    const event = plainEvent([
      ['Event-Name', 'HEARTBEAT'], ['Core-UUID', CORE_UUID], ['FreeSWITCH-Hostname', 'vm'],
      ['Event-Calling-File', 'switch_core.c'], ['Event-Calling-Function', 'send_heartbeat'], ['Event-Info', 'System Ready'],
      ['Session-Count', '0'],
    ]);
    for (const c of this.clients) if (c.heartbeats && !c.socket.destroyed) c.socket.write(event);
  }
}
