/**
 * One Event Socket connection (either direction): writes commands, matches `command/reply` and
 * `api/response` frames to them in order (ESL answers commands strictly in sequence), and hands events and
 * disconnect notices to listeners. A malformed stream ends the connection; it never throws into the caller. The
 * frames read before the error are handled as they would be had it come in the next read, whatever the chunking.
 * Once the connection ended (for any reason), nothing more is read from it.
 */
import type { Socket } from 'node:net';
import { bodyDropped, EslProtocolError, FrameParser, eventOf, isNeededHeader, type EslFrame } from './frame.js';
import { replyAccepted } from './reply.js';

export interface EslReply {
  /** `command/reply` Reply-Text, or the `api/response` body. */
  text: string;
  /**
   * `command/reply`: FreeSWITCH carried the command out (its Reply-Text is `+OK…`, reply.ts); anything else, `-ERR` or
   * not, is a refusal. `api/response`: the body came whole and is not an error (`-ERR`, `-USAGE`). An api's success has
   * no common form (`+OK Deleted: 1`, `true`, a value): its caller checks the body is the answer it expects (bound.ts,
   * mailbox.ts).
   */
  ok: boolean;
  frame: EslFrame;
}

export class EslClosedError extends Error {
  override readonly name = 'EslClosedError';
}

type Waiter = { resolve: (r: EslReply) => void; reject: (e: Error) => void };

/** FreeSWITCH answers commands in about a millisecond; a reply this late means the stream is broken. */
const REPLY_TIMEOUT_MS = 10_000;

export interface ConnectionHandlers {
  onEvent?(event: Record<string, string>): void;
  onDisconnectNotice?(frame: EslFrame): void;
  /** Frames that are neither replies nor events (`auth/request`, `log/data`…). */
  onOther?(frame: EslFrame): void;
  /** `byPeer`: the socket closed or failed under chut (FreeSWITCH closed it, reset); false when chut ended it
   * (its own decision, a reply timeout, a protocol error). */
  onClose?(reason: string, byPeer: boolean): void;
}

export class EslConnection {
  private readonly parser: FrameParser;
  private readonly waiters: Waiter[] = [];
  private closedReason: string | null = null;
  /** A protocol error read after frames of the same read: the reason the connection is about to end (see onData). */
  private refusal: string | null = null;

  /** `maxFrameBytes`: what is kept of one frame (FrameParser's cap; MAX_CALL_FRAME_BYTES for a per-call socket). Frames
   * and events keep only the headers chut reads (isNeededHeader). */
  constructor(readonly socket: Socket, public handlers: ConnectionHandlers = {}, maxFrameBytes?: number) {
    this.parser = new FrameParser(maxFrameBytes, undefined, isNeededHeader);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.closedByPeer(`socket error: ${err.message}`));
    socket.on('close', () => this.closedByPeer('closed by peer'));
  }

  get closed(): boolean {
    return this.closedReason !== null;
  }

  /** A copy of the headers of the frame being read when the stream stopped (complete lines only), or null: what a
   * reply cut short by a close, a protocol error or a timeout still said. */
  partialHeaders(): Record<string, string> | null {
    const headers = this.parser.partialHeaders;
    return headers ? { ...headers } : null;
  }

  /** Writes an already serialised command and resolves with its reply. */
  send(frame: string): Promise<EslReply> {
    if (this.closedReason) return Promise.reject(new EslClosedError(this.closedReason));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.close('reply timeout'), REPLY_TIMEOUT_MS);
      timer.unref();
      this.waiters.push({
        resolve: (r) => { clearTimeout(timer); resolve(r); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.socket.write(frame);
    });
  }

  /** Writes several commands in one write (one syscall); their replies come back in order. */
  sendBatch(frames: string[]): Array<Promise<EslReply>> {
    if (this.closedReason) return frames.map(() => Promise.reject(new EslClosedError(this.closedReason ?? 'closed')));
    this.socket.cork();
    const replies = frames.map((f) => this.send(f));
    this.socket.uncork();
    return replies;
  }

  /** Writes without waiting for the reply (the reply is still consumed in order). */
  sendNoWait(frame: string): void {
    this.send(frame).catch(() => undefined);
  }

  close(reason = 'closed', byPeer = false): void {
    if (this.closedReason) return;
    this.closedReason = reason;
    for (const w of this.waiters.splice(0)) w.reject(new EslClosedError(reason));
    if (!this.socket.destroyed) {
      this.socket.end();
      // A peer that never closes its side must not keep the socket (and the call) alive. Cleared on close
      // so that a closed call's state is not held for the second (GC pressure at hundreds of calls/s).
      const reaper = setTimeout(() => this.socket.destroy(), 1000).unref();
      this.socket.once('close', () => clearTimeout(reaper));
    }
    this.handlers.onClose?.(reason, byPeer);
  }

  private onData(chunk: Buffer): void {
    // Once the connection ended, or its stream at a protocol error, nothing more is read: a parser that threw is not
    // fed again, and an event FreeSWITCH sent before it read chut's FIN never reaches a session that already ended.
    if (this.closedReason !== null || this.refusal !== null) return;
    let frames: readonly EslFrame[];
    try {
      frames = this.parser.push(chunk);
    } catch (err) {
      const reason = `protocol error: ${(err as Error).message}`;
      const before = err instanceof EslProtocolError ? err.frames : [];
      if (before.length === 0) {
        this.close(reason);
        return;
      }
      // Frames read in the same chunk as the error are handled as if the error had come in the next read: dispatched
      // now, the connection ending once what they started has run (a connect reply's call is screened, then rings).
      this.refusal = reason;
      setImmediate(() => this.close(reason)); // first: a listener that throws must not leave the connection open
      for (const frame of before) this.dispatch(frame);
      return;
    }
    for (const frame of frames) this.dispatch(frame);
  }

  /** The socket closed or failed under chut; after a protocol error chut has read, chut ends it for that error, as it
   * would have done before the peer's close had the error come in its own read. */
  private closedByPeer(reason: string): void {
    if (this.refusal !== null) this.close(this.refusal);
    else this.close(reason, true);
  }

  private dispatch(frame: EslFrame): void {
    const type = frame.headers['Content-Type'] ?? '';
    if (type === 'command/reply' || type === 'api/response') {
      const api = type === 'api/response';
      const text = api ? frame.body : (frame.headers['Reply-Text'] ?? '');
      const waiter = this.waiters.shift();
      // A response over the frame cap was skipped unread: whatever it said, chut cannot act on it.
      const ok = !bodyDropped(frame) && (api ? !text.startsWith('-') : replyAccepted(text));
      waiter?.resolve({ text, ok, frame });
      return;
    }
    if (type === 'text/disconnect-notice') {
      this.handlers.onDisconnectNotice?.(frame);
      return;
    }
    const event = eventOf(frame);
    if (event) this.handlers.onEvent?.(event);
    else this.handlers.onOther?.(frame);
  }
}
