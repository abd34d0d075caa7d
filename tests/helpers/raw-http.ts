/**
 * One raw HTTP/1.1 connection, for what a client library hides: interim `100 Continue` answers, a body sent in parts
 * or never, and what exactly arrived first.
 */
import { connect, type Socket } from 'node:net';
import { parseAnswers, type ExchangeAnswer } from './http-exchange.js';
import { until } from './until.js';

export type RawAnswer = ExchangeAnswer;

export class RawClient {
  private received = '';
  private ended = false;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => { this.received += d; });
    socket.on('error', () => undefined); // a reset after the answer: the answer is what counts
    socket.on('close', () => { this.ended = true; });
  }

  static open(url: string): Promise<RawClient> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  write(data: string): void {
    this.socket.write(data);
  }

  /** The interim `100 Continue`: the server asks for the body. */
  async continued(): Promise<void> {
    await until(() => this.received.startsWith('HTTP/1.1 100 '), 'the 100 Continue');
  }

  /** The first status line received, interim or final (`HTTP/1.1 401 Unauthorized`). */
  async firstStatusLine(): Promise<string> {
    await until(() => this.received.includes('\r\n'), 'a status line');
    return this.received.slice(0, this.received.indexOf('\r\n'));
  }

  /** The final answer, once whole (interim 1xx answers skipped), read as http-exchange.ts reads every answer. */
  async answer(): Promise<RawAnswer> {
    let found: RawAnswer | undefined;
    await until(() => (found = parseAnswers(this.received, 'GET', this.ended).answers[0]) !== undefined, 'an answer');
    return found!;
  }

  /** Everything received so far, as sent (latin1). */
  text(): string {
    return this.received;
  }

  /** Resolves once the server has closed the connection. */
  async closed(): Promise<void> {
    await until(() => this.ended, 'the connection to close');
  }
}
