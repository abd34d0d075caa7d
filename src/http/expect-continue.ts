/**
 * `Expect: 100-continue`: a client that sends it waits for `100 Continue` before it uploads its body. Node writes that
 * at once, before any hook or route has run, so a request then refused (401 or 403 from the token check, 429 with
 * every import slot taken, 413 for a declared Content-Length over the route's limit, 415) had its client upload the
 * whole body, up to 20 MiB for an import, for nothing.
 *
 * Here such a request goes through the same hooks and checks as any other, and `100 Continue` is written only once
 * the body parser starts reading the body: Fastify checks the declared length, and the import its content type, just
 * before. A refusal is then the first and only status line the client gets, and Node closes the connection after it
 * (a body that was never asked for may or may not follow), without reading the body.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * Call after every other preParsing hook is added (request-limits.ts wraps the body): the stream watched here must be
 * the one the parser reads.
 */
export function registerExpectContinue(app: FastifyInstance): void {
  const expecting = new WeakSet<IncomingMessage>();
  // With a listener, Node leaves the interim answer to it: the request goes on as any other, without one yet.
  app.server.on('checkContinue', (req: IncomingMessage, res) => {
    expecting.add(req);
    app.server.emit('request', req, res);
  });
  app.addHook('preParsing', async (req, reply, payload) => {
    if (!expecting.has(req.raw) || req.raw.complete) return payload;
    // 'resume': the parser has started reading, its own refusals (a declared length over the limit) behind it
    payload.once('resume', () => {
      if (!reply.raw.headersSent && !reply.raw.destroyed) reply.raw.writeContinue();
    });
    return payload;
  });
}
