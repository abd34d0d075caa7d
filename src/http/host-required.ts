/**
 * An HTTP/1.1 request must name its `Host` (RFC 9112 §3.2): one without is refused `400 bad-request`. Node refuses it
 * itself by default (`requireHostHeader`), but with a bare status line, none of the JSON and headers every other answer
 * carries; so the server turns Node's check off (server.ts) and this hook makes it, with the same condition (no Host
 * header at all, HTTP/1.0 excepted; an empty one is a Host, RFC 9110 §7.2), before any other hook refuses anything.
 */
import type { FastifyInstance } from 'fastify';
import { badRequest } from './errors.js';

export function registerHostRequired(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    if (req.raw.httpVersion === '1.1' && req.headers.host === undefined) {
      throw badRequest('an HTTP/1.1 request must name its Host (the Host header); nothing was applied');
    }
  });
}
