/** HTTP plumbing of the fake Asterisk: Basic auth or `api_key`, Asterisk's headers, the HTML 400 on `/events`. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ASTERISK_VERSION } from './frames.js';
import type { RestReply } from './rest.js';

export function authorised(req: IncomingMessage, url: URL, user: string, password: string): boolean {
  const apiKey = url.searchParams.get('api_key');
  if (apiKey !== null) return apiKey === `${user}:${password}`;
  const header = req.headers.authorization ?? '';
  if (!header.startsWith('Basic ')) return false;
  return Buffer.from(header.slice(6), 'base64').toString() === `${user}:${password}`;
}

const baseHeaders = () => ({ Server: `Asterisk/${ASTERISK_VERSION}`, Date: new Date().toUTCString(), 'Cache-Control': 'no-cache, no-store' });

export function sendReply(res: ServerResponse, reply: RestReply): void {
  const body = reply.body === undefined ? '' : JSON.stringify(reply.body);
  const headers: Record<string, string | number> = { ...baseHeaders(), ...(reply.headers ?? {}) };
  if (body) headers['Content-type'] = 'application/json';
  headers['Content-Length'] = Buffer.byteLength(body);
  res.writeHead(reply.status, reply.statusText ?? undefined, headers);
  res.end(body);
}

export const UNAUTHORISED: RestReply = {
  status: 401, body: { message: 'Authentication required' }, headers: { 'WWW-Authenticate': 'Basic realm="Asterisk REST Interface"' },
};

function rawHttp(status: string, headers: Record<string, string | number>, body: string): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return `HTTP/1.1 ${status}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** Refuses an upgrade on the raw socket, exactly as recorded (401 JSON, or the HTML page for a missing app). */
export function refuseUpgrade(socket: Duplex, kind: 'unauthorised' | 'no-app' | 'unavailable'): void {
  if (kind === 'unauthorised') {
    const body = JSON.stringify(UNAUTHORISED.body);
    socket.end(rawHttp('401 Unauthorized', {
      ...baseHeaders(), 'WWW-Authenticate': 'Basic realm="Asterisk REST Interface"', 'Content-type': 'application/json', 'Content-Length': body.length,
    }, body));
    return;
  }
  if (kind === 'unavailable') {
    socket.destroy();
    return;
  }
  const html = '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\r\n<html><head>\r\n<title>400 Bad Request</title>\r\n</head><body>\r\n' +
    `<h1>Bad Request</h1>\r\n<p>HTTP request is missing param: [app]</p>\r\n<hr />\r\n<address>Asterisk/${ASTERISK_VERSION}</address>\r\n</body></html>\r\n`;
  socket.end(rawHttp('400 Bad Request', { ...baseHeaders(), 'Content-type': 'text/html', 'Content-Length': Buffer.byteLength(html) }, html));
}
