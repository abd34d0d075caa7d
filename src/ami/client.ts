/**
 * One AMI connection's socket: connect, write actions, read packets (packet-reader.ts), match responses to their
 * ActionID. No reconnection, no queue, no keepalive: connection.ts owns the lifecycle. A packet or a peer this
 * cannot read ends the connection with an `error` then `close`; nothing thrown here reaches the process. The packets
 * read before such a packet are handled first, whatever the chunking (a ChutQuery read with it is still screened).
 * Only a packet without an `Event` header is a response: Asterisk's responses never carry one, while events may
 * carry both `ActionID` and `Response` (OriginateResponse does; a UserEvent can carry anything a dialplan puts in it).
 * disconnect() never leaves a socket behind: one still connecting (an AMI host that drops SYNs) is destroyed at once,
 * an open one is ended and destroyed once flushed, or after CLOSE_GRACE_MS when the peer no longer reads.
 * Actions are written as asterisk-manager wrote them (recorded against Asterisk 22): `Key: value` lines, the key
 * capitalised, sorted, `ActionID` among them.
 */
import { EventEmitter } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { AmiProtocolError, PacketReader, type AmiPacket } from './packet-reader.js';

export type { AmiPacket, AmiValue } from './packet-reader.js';

/** How long an ended socket may wait for the peer's close before it is destroyed. */
export const CLOSE_GRACE_MS = 1000;

/** `err`: the response packet when Asterisk answered `Response: Error`. */
export type ActionCallback = (err: AmiPacket | null, res: AmiPacket) => void;

export interface AmiClientEvents {
  /** Every packet that carries an `Event` (its `event` made a plain string). */
  managerevent: [AmiPacket];
  error: [Error];
  close: [];
}

function firstText(v: AmiPacket[string]): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v[0];
  return undefined;
}

export function serialiseAction(action: Record<string, string>, actionId: string): string {
  const lines = [`ActionID: ${actionId}`];
  for (const [key, value] of Object.entries(action)) {
    const k = key.replace(/\s/g, '').toLowerCase();
    if (k === '' || k === 'actionid') continue;
    lines.push(`${k.charAt(0).toUpperCase()}${k.slice(1)}: ${value}`);
  }
  return `${lines.sort().join('\r\n')}\r\n\r\n`;
}

export class AmiClient extends EventEmitter<AmiClientEvents> {
  private socket: Socket | null = null;
  private readonly reader = new PacketReader();
  private readonly waiting = new Map<string, ActionCallback>();

  connect(port: number, host: string, onConnect: () => void): void {
    const socket = createConnection({ port, host });
    this.socket = socket;
    socket.setKeepAlive(true);
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    socket.once('connect', onConnect);
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (err) => this.emit('error', err));
    socket.on('close', () => this.emit('close'));
  }

  private onData(chunk: string): void {
    let packets: AmiPacket[];
    try {
      packets = this.reader.push(chunk);
    } catch (err) {
      // The packets of this read before the error, first: as if the error had come in the next read.
      if (err instanceof AmiProtocolError) for (const p of err.packets) this.dispatch(p);
      this.emit('error', err as Error);
      this.socket?.destroy();
      return;
    }
    for (const p of packets) this.dispatch(p);
  }

  private dispatch(p: AmiPacket): void {
    const event = firstText(p.event);
    if (event !== undefined) {
      // an event, even one with ActionID and Response headers, never settles an action
      p.event = event;
      this.emit('managerevent', p);
      return;
    }
    const id = firstText(p.actionid);
    const response = firstText(p.response);
    const callback = id !== undefined && response !== undefined ? this.waiting.get(id) : undefined;
    if (callback && id !== undefined) {
      this.waiting.delete(id);
      callback(response?.toLowerCase() === 'error' ? p : null, p);
    }
  }

  /** Writes the action; `callback` gets its response (none if the connection ends first: the caller times out). */
  action(action: Record<string, string>, actionId: string, callback: ActionCallback): void {
    if (!this.socket || this.socket.destroyed) throw new Error('AMI socket not connected');
    this.waiting.set(actionId, callback);
    this.socket.write(serialiseAction(action, actionId));
  }

  /** Stops waiting for an action's response (it timed out). */
  forget(actionId: string): void {
    this.waiting.delete(actionId);
  }

  /**
   * Closes the socket: destroyed at once while still connecting (end() would wait for a handshake that may never
   * complete, ~2 min of SYN retries, keeping the process alive), else ended (a clean FIN after the Logoff) and
   * destroyed once that is flushed, or after CLOSE_GRACE_MS at most.
   */
  disconnect(): void {
    this.waiting.clear();
    const socket = this.socket;
    this.socket = null;
    if (!socket || socket.destroyed) return;
    if (socket.connecting || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(() => socket.destroy()); // once the Logoff and the FIN are flushed
    const timer = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS); // a peer that stopped reading: no flush ever
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  }
}
