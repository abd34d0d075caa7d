/**
 * How long a request may take to arrive, and the answers for a request Node's HTTP parser refuses before any route
 * runs.
 *
 * Node bounds the headers (`headersTimeout`, 60 s) and the whole request (`requestTimeout`), the same for every route:
 * one whole-request bound of 60 s cut an import that kept sending (20 MiB needed 350 KB/s end to end). So Node's
 * `requestTimeout` is only a backstop here, and the body's time is decided per route, from when its headers arrived:
 * - any route: the body within `bodyMs` (60 s: 64 KiB at most);
 * - `POST /api/import`, once its token is checked: no pause of `importStallMs` (60 s) with nothing received, and the
 *   whole body within `importMs` (10 min: 20 MiB at 35 KB/s).
 * A body late on either count is answered `408 request-timeout` (nothing was applied), through the error handler like
 * every other error, and the connection is closed. A request that was answered before its body arrived (a 401, a
 * 413, a 415, a 404) and whose body still trickles in after `bodyMs` has its connection closed: nothing reads that body.
 * Until then its body is discarded as it arrives, as Node does for a body no route read: a client that sent it all at
 * once gets to the end of it, and the connection serves its next request.
 *
 * Node's own refusals (malformed request 400, headers over 16 KiB 431, headers not in within 60 s 408) are written
 * by `answerClientError` in the same `{error, message}` shape, with the same security headers, as every other answer.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Transform, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from '../logger.js';
import { HttpError } from './errors.js';

export interface RequestLimits {
  /** A request body must arrive within this long of its headers (the import's excepted, once authorised). */
  bodyMs: number;
  /** An import's body may pause this long, no byte received, before it is refused. */
  importStallMs: number;
  /** An import's body must arrive within this long of its headers. */
  importMs: number;
}

export const REQUEST_LIMITS: Readonly<RequestLimits> = { bodyMs: 60_000, importStallMs: 60_000, importMs: 600_000 };

/** Node's `headersTimeout`: the headers of any request. */
export const HEADERS_TIMEOUT_MS = 60_000;

/** Node's `requestTimeout`, a backstop behind the limits above, which answer first with a message saying which. */
export function nodeRequestTimeout(limits: RequestLimits): number {
  return Math.max(limits.bodyMs, limits.importMs) + 60_000;
}

const seconds = (ms: number): string => (ms % 60_000 === 0 && ms >= 60_000 ? `${ms / 60_000} min` : `${ms / 1000} s`);

/** Watches one request's body from its headers until it has all arrived (or the connection is gone). */
class BodyWatch {
  private readonly started = Date.now();
  private whole: NodeJS.Timeout;
  private stall: NodeJS.Timeout | null = null;
  private stream: Transform | null = null;
  /** What the stream reads: the request's body, as the earlier hooks left it. */
  private source: Readable | null = null;
  private done = false;
  private readonly onGone = (): void => this.stop();
  private readonly onAnswered = (): void => this.discardRest();

  constructor(private readonly req: FastifyRequest, private readonly res: ServerResponse, private readonly limits: RequestLimits) {
    this.whole = setTimeout(() => this.expire(`the request body did not arrive within ${seconds(limits.bodyMs)} of its headers; nothing was applied`), limits.bodyMs);
    // `end`: the whole body has been read (by the route, or discarded by Node after an early answer)
    req.raw.once('end', this.onGone);
    req.raw.socket?.once('close', this.onGone);
    res.once('finish', this.onAnswered);
  }

  /** The body as the route reads it: the same bytes, watched (an import's pauses, too). */
  wrap(payload: Readable, isImport: boolean): Readable {
    const onChunk = isImport ? this.importRegime() : () => undefined;
    const stream = new Transform({
      transform(chunk: Buffer, _enc, callback) {
        onChunk();
        callback(null, chunk);
      },
    });
    // an error nobody waits for (the route answered before reading the body) must not bring the process down
    stream.on('error', () => undefined);
    payload.on('error', (err) => stream.destroy(err));
    payload.pipe(stream);
    this.stream = stream;
    this.source = payload;
    return stream;
  }

  /**
   * The answer is sent and the body still arriving: nothing will read it (a 415 or a 404 is answered unread). Unread
   * through the stream, it would fill the buffers and stop the socket: the client could never finish sending it, nor
   * the connection carry its next request. Node discards such a body when no route read it; so is this one, within
   * `bodyMs` still.
   */
  private discardRest(): void {
    if (this.done || this.req.raw.complete || !this.stream || !this.source) return;
    this.source.unpipe(this.stream);
    this.source.resume();
  }

  /** An authorised import: a longer whole-body limit, and no long pause; returns what each chunk received does. */
  private importRegime(): () => void {
    const { importMs, importStallMs } = this.limits;
    clearTimeout(this.whole);
    this.whole = setTimeout(() => this.expire(`the import's body did not arrive within ${seconds(importMs)} of its headers ` +
      `(20 MiB takes ${Math.ceil(20 * 1024 / (importMs / 1000))} KiB/s); nothing was imported`), Math.max(0, importMs - (Date.now() - this.started)));
    const stall = setTimeout(() => this.expire(`the import's body stopped arriving: nothing for ${seconds(importStallMs)}; nothing was imported`), importStallMs);
    this.stall = stall;
    return () => { stall.refresh(); };
  }

  private expire(message: string): void {
    this.stop();
    if (this.req.raw.complete) return;
    if (this.stream && !this.req.raw.socket?.destroyed && !this.replied()) {
      // through Fastify's body reader to the error handler: the usual JSON, headers, and log line
      this.stream.destroy(new HttpError(408, 'request-timeout', message));
    } else {
      // answered already (a 401, a 413…), or never to be read: nothing reads what still trickles in
      this.req.raw.socket?.destroy();
    }
  }

  /** This request's own answer has gone out (or begun to): its connection's current answer may be a later one's. */
  private replied(): boolean {
    return this.res.headersSent;
  }

  stop(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.whole);
    if (this.stall) clearTimeout(this.stall);
    // a keep-alive connection carries many requests: each takes its listener with it
    this.req.raw.socket?.removeListener('close', this.onGone);
    this.req.raw.removeListener('end', this.onGone);
    this.res.removeListener('finish', this.onAnswered);
  }
}

/**
 * Registers the body limits. Call before the auth hook is added: every request with a body is watched from its
 * headers on, including those the auth hook answers (their body is then only waited for `bodyMs`).
 */
export function registerRequestLimits(app: FastifyInstance, limits: RequestLimits, isImport: (req: FastifyRequest) => boolean): void {
  const watches = new WeakMap<FastifyRequest, BodyWatch>();
  app.addHook('onRequest', async (req, reply) => {
    if (!req.raw.complete) watches.set(req, new BodyWatch(req, reply.raw, limits));
  });
  // preParsing runs once the token was checked, just before the body is read
  app.addHook('preParsing', async (req, _reply, payload) => {
    const watch = watches.get(req);
    if (!watch) return payload;
    if (req.raw.complete) {
      watch.stop();
      return payload;
    }
    return watch.wrap(payload, isImport(req));
  });
  app.addHook('onSend', async (req, reply, payload) => {
    // a body refused as late: the client is stalled or too slow, and nothing more of it will be read
    if (reply.statusCode === 408) reply.header('connection', 'close');
    return payload;
  });
}

/** What Node's parser refused, as chut answers it: `[status, code, message]`; null when there is no one to answer. */
export function clientErrorAnswer(err: Error & { code?: string }): [number, string, string] | null {
  switch (err.code) {
    case 'ECONNRESET':
      return null;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'request-timeout', `the request did not arrive in time (its headers within ${seconds(HEADERS_TIMEOUT_MS)}); nothing was applied`];
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'too-large', 'the request headers are larger than 16 KiB; nothing was applied'];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, 'too-large', 'the chunk extensions of the request body are too large; nothing was applied'];
    default:
      return [400, 'bad-request', `the request is not valid HTTP/1.1${err.code ? ` (${err.code})` : ''}; nothing was applied`];
  }
}

/** Ends the connection once `res`, its latest answer, is sent whole, rather than cut it or answer anything after it. */
function closeAfter(res: ServerResponse, socket: Socket): void {
  if (res.writableFinished) socket.destroySoon();
  else if (!res.headersSent) res.setHeader('connection', 'close'); // Node ends the connection after such an answer
  else if (!closingAfter.has(res)) {
    closingAfter.add(res);
    res.once('finish', () => socket.destroySoon());
  }
}
const closingAfter = new WeakSet<ServerResponse>();

/**
 * Fastify's `clientErrorHandler`: Node's parser refused the request (or it timed out) before any route ran, so no
 * hook runs either. The answer is written on the socket as Node would, then the connection closed.
 *
 * `latest`: the answer to the connection's latest request, while it is in progress. When that request arrived whole,
 * what Node refused is a later one (pipelined, or bytes after a body): a refusal written now would be read as the
 * earlier request's answer (`400 … nothing was applied`, for a list edit or an import that is being applied), and
 * closing now would cut that answer. It goes out whole, and the connection ends after it, answering nothing more.
 */
export function answerClientError(err: Error & { code?: string }, socket: Socket, headers: ReadonlyArray<[string, string]>, logger: Logger,
  latest?: ServerResponse): void {
  const answer = clientErrorAnswer(err);
  if (answer === null || socket.destroyed) return;
  if (latest?.req.complete) {
    logger.debug({ code: err.code }, 'a request refused by the HTTP parser after one still being answered: the connection ends after that answer');
    closeAfter(latest, socket);
    return;
  }
  const [status, error, message] = answer;
  // a 408 says a client was cut off (an upload over a slow link?): worth a line; malformed requests are scanners' noise
  if (status === 408) logger.info({ status, code: err.code }, 'request refused before it arrived');
  else logger.debug({ status, code: err.code }, 'request refused by the HTTP parser');
  // not in the middle of an answer already on its way (Node checks the same)
  const inAnswer = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (socket.writable && !inAnswer) {
    const body = JSON.stringify({ error, message });
    const lines = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(body)}`,
      'cache-control: no-store',
      ...headers.map(([name, value]) => `${name}: ${value}`),
      'connection: close',
    ];
    socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
  }
  socket.destroy();
}
