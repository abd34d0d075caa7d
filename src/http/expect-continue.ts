/**
 * The `Expect` header. Any expectation but `100-continue` is refused `417 expectation-failed`, in the same JSON and
 * headers as every other answer (Node's own 417 had neither: a bare status line).
 *
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
import { HttpError } from './errors.js';

/**
 * Call after every other preParsing hook is added (request-limits.ts wraps the body): the stream watched here must be
 * the one the parser reads.
 */
export function registerExpectContinue(app: FastifyInstance): void {
  const expecting = new WeakSet<IncomingMessage>();
  const unmet = new WeakSet<IncomingMessage>();
  // With a listener, Node leaves the interim answer to it: the request goes on as any other, without one yet.
  app.server.on('checkContinue', (req: IncomingMessage, res) => {
    expecting.add(req);
    app.server.emit('request', req, res);
  });
  // Likewise an expectation Node does not know: refused below, through the error handler, rather than by Node's bare 417.
  app.server.on('checkExpectation', (req: IncomingMessage, res) => {
    unmet.add(req);
    app.server.emit('request', req, res);
  });
  // before the token is checked, as Node refused it before anything
  app.addHook('onRequest', async (req) => {
    if (!unmet.has(req.raw)) return;
    throw new HttpError(417, 'expectation-failed', 'chut meets no expectation but Expect: 100-continue; send the request without the Expect header');
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
