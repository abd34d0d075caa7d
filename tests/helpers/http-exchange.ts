/**
 * One request's bytes, sent as they are on a connection of their own, and every answer that came back until the
 * server closed it: for requests no client library would send (broken framing, duplicate lengths, bad chunk sizes,
 * garbage after the body). raw-http.ts drives one exchange step by step; this sends and collects.
 */
import { connect } from 'node:net';

export interface ExchangeAnswer {
  status: number;
  /** Header names in lower case; a repeated header keeps its values joined with `, `. */
  headers: Record<string, string>;
  body: string;
  /** The status line and headers as received. */
  head: string;
}

export interface Exchange {
  /** Each final answer, in order (interim 1xx answers left out). */
  answers: ExchangeAnswer[];
  /** Everything received, as sent (latin1). */
  text: string;
  /** How it ended: the server closed the connection, or it was still open after `waitMs` (a hang). */
  ended: 'closed' | 'timeout';
}

export interface ExchangeOptions {
  /** Shut our side once the request is written (a client that sends and says it is done), rather than after the first
   * answer: the server then answers what it has, or refuses what it cannot finish. */
  halfClose: boolean;
  /** The request's method, to know whether its answers carry a body (HEAD). */
  method: string;
  /** How long the server may take, from the connection on, to end the exchange. */
  waitMs: number;
}

/** Sends `request` to `url`'s host and port; resolves once the server closes the connection or `waitMs` passed. */
export function exchange(url: string, request: Buffer, opts: ExchangeOptions): Promise<Exchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname.replace(/^\[|\]$/g, ''));
    let received = Buffer.alloc(0);
    let shut = false;
    const shutOurSide = (): void => {
      if (shut) return;
      shut = true;
      socket.end();
    };
    const timer = setTimeout(() => finish('timeout'), opts.waitMs);
    let connected = false;
    function finish(ended: Exchange['ended']): void {
      clearTimeout(timer);
      socket.destroy();
      if (!connected) return reject(new Error(`could not connect to ${url}`));
      const text = received.toString('latin1');
      resolve({ answers: parseAnswers(text, opts.method, ended === 'closed').answers, text, ended });
    }
    socket.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
      // a keep-alive answer whole: say we are done, and read whatever else the server still sends before it closes
      if (!shut && parseAnswers(received.toString('latin1'), opts.method).answers.length > 0) shutOurSide();
    });
    socket.on('error', () => undefined); // a reset after (or instead of) an answer: what arrived is what counts
    socket.on('close', () => finish('closed'));
    socket.once('connect', () => {
      connected = true;
      socket.write(request);
      if (opts.halfClose) shutOurSide();
    });
  });
}

/** Final answers in `text` (1xx skipped); `rest` is what follows the last whole one. `closed`: the connection has
 * ended, so an answer with neither a length nor chunks ends with the text. */
export function parseAnswers(text: string, method: string, closed = false): { answers: ExchangeAnswer[]; rest: string } {
  const answers: ExchangeAnswer[] = [];
  let rest = text;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return { answers, rest };
    const head = rest.slice(0, end);
    const [statusLine = '', ...lines] = head.split('\r\n');
    const status = Number(statusLine.split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const name = line.slice(0, line.indexOf(':')).toLowerCase();
      const value = line.slice(line.indexOf(':') + 1).trim();
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    const afterHead = rest.slice(end + 4);
    if (status >= 100 && status < 200) {
      rest = afterHead;
      continue;
    }
    const body = answerBody(afterHead, headers, status, method, closed);
    if (body === null) return { answers, rest };
    answers.push({ status, headers, body: body.body, head });
    rest = body.rest;
  }
}

/** The body of an answer whose head is parsed, and what follows it; null while it is not whole. */
function answerBody(text: string, headers: Record<string, string>, status: number, method: string, closed: boolean): { body: string; rest: string } | null {
  if (method === 'HEAD' || status === 204 || status === 304) return { body: '', rest: text };
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    let body = '';
    let at = 0;
    for (;;) {
      const lineEnd = text.indexOf('\r\n', at);
      if (lineEnd < 0) return closed ? { body, rest: '' } : null;
      const size = parseInt(text.slice(at, lineEnd), 16);
      if (!Number.isFinite(size)) return { body: body + text.slice(at), rest: '' }; // not chunked after all: take it as sent
      const dataStart = lineEnd + 2;
      if (size === 0) {
        const trailerEnd = text.indexOf('\r\n', dataStart);
        return trailerEnd < 0 ? null : { body, rest: text.slice(trailerEnd + 2) };
      }
      if (text.length < dataStart + size + 2) return null;
      body += text.slice(dataStart, dataStart + size);
      at = dataStart + size + 2;
    }
  }
  const length = headers['content-length'];
  if (length === undefined) return closed ? { body: text, rest: '' } : null; // delimited by the connection's end
  const n = Number(length);
  if (text.length >= n) return { body: text.slice(0, n), rest: text.slice(n) };
  return closed ? { body: text, rest: '' } : null;
}
