/**
 * Frames exactly as FreeSWITCH 1.10 writes them (see tests/fixtures/freeswitch): replies without
 * Content-Length, `api/response` and events with it, plain event bodies with url-encoded values, and the
 * `connect` reply as ONE header block whose reply headers come last. Imports nothing of ours but the encoder.
 */
import type { Socket } from 'node:net';
import { urlEncode } from '../../esl/frame.js';

export type Headers = Array<[string, string]>;

export const CORE_UUID = '3e0703fc-722b-4b70-ae71-966e497f5768';
const GOODBYE = 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';

/** Bytes no ESL parser accepts (the protocol-error faults). */
export const GARBAGE = '\u0000\u00ff garbage\nnot: esl\n\n\u0001\u0002';

export function reply(text: string): string {
  return `Content-Type: command/reply\nReply-Text: ${text}\n\n`;
}

export function apiResponse(body: string): string {
  return `Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`;
}

function headerLines(headers: Headers): string {
  return headers.map(([k, v]) => `${k}: ${urlEncode(v)}\n`).join('');
}

/** The `connect` reply: channel data first, then the reply headers, no Content-Length. */
export function connectReply(channel: Headers): string {
  return `${headerLines([['Event-Name', 'CHANNEL_DATA'], ...channel])}Content-Type: command/reply\nReply-Text: %2BOK%0A\nSocket-Mode: async\nControl: full\n\n`;
}

export function plainEvent(headers: Headers): string {
  const body = `${headerLines(headers)}\n`;
  return `Content-Length: ${Buffer.byteLength(body)}\nContent-Type: text/event-plain\n\n${body}`;
}

export function jsonEvent(headers: Headers): string {
  const body = JSON.stringify(Object.fromEntries(headers));
  return `Content-Length: ${Buffer.byteLength(body)}\nContent-Type: text/event-json\n\n${body}`;
}

/** What mod_event_socket's listener_run sends a client its `apply-inbound-acl` denies, before any `auth/request`
 * (then the disconnect notice and the close): `text/rude-rejection` with this body. From FreeSWITCH 1.10's source (no
 * recorded transcript holds it). */
export const RUDE_REJECTION = 'Access Denied, go away.\n';

export function rudeRejection(): string {
  return `Content-Type: text/rude-rejection\nContent-Length: ${Buffer.byteLength(RUDE_REJECTION)}\n\n${RUDE_REJECTION}`;
}

export function authRequest(): string {
  return 'Content-Type: auth/request\n\n';
}

export function lingerNotice(uuid: string, channelName: string, seconds: number): string {
  return `Content-Type: text/disconnect-notice\nControlled-Session-UUID: ${uuid}\nContent-Disposition: linger\nChannel-Name: ${channelName}\nLinger-Time: ${seconds}\nContent-Length: 0\n\n`;
}

export function disconnectNotice(uuid: string | null): string {
  const session = uuid ? `Controlled-Session-UUID: ${uuid}\nContent-Disposition: disconnect\n` : '';
  return `Content-Type: text/disconnect-notice\n${session}Content-Length: ${Buffer.byteLength(GOODBYE)}\n\n${GOODBYE}`;
}

/** Splits the client's byte stream into commands (`line\nheaders…\n\n`); returns the rest. */
export function splitCommands(buffer: string): { commands: Array<{ line: string; headers: Record<string, string> }>; rest: string } {
  const commands: Array<{ line: string; headers: Record<string, string> }> = [];
  let rest = buffer;
  for (;;) {
    rest = rest.replace(/^\n+/, '');
    const end = rest.indexOf('\n\n');
    if (end < 0) break;
    const [line = '', ...lines] = rest.slice(0, end).split('\n');
    const headers: Record<string, string> = {};
    for (const l of lines) {
      const i = l.indexOf(': ');
      if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 2);
    }
    commands.push({ line: line.trim(), headers });
    rest = rest.slice(end + 2);
  }
  return { commands, rest };
}

/** Reads an inbound-socket client as ESL commands: each complete command's first line goes to `onLine`, in order;
 * socket errors are ignored (the close that follows ends the client). */
export function readCommandLines(socket: Socket, onLine: (line: string) => void): void {
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('error', () => undefined);
  socket.on('data', (chunk: string) => {
    const { commands, rest } = splitCommands(buffer + chunk);
    buffer = rest;
    for (const { line } of commands) onLine(line);
  });
}
