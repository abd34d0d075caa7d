/**
 * An answer its client stops reading. Node has no write timeout: a client that keeps its connection open but reads
 * no more holds what is still to be sent in memory for as long as it likes, and, for GET /api/export, the store's read
 * in progress with it (the lists' bucket indices and a pipeline of up to 1000 buckets: 1 to 10 MB an export).
 *
 * So an answer with data still to send that has not moved for `stallMs` (60 s, as long as an import's body may pause,
 * request-limits.ts) is destroyed, its connection with it, which ends the export's read; one warning is logged. An
 * answer still being worked out (a slow store, an import's writes), or a request body still arriving, has nothing to
 * send: it is not a stall, and the other limits bound it.
 */
import type { FastifyInstance } from 'fastify';

export const RESPONSE_STALL_MS = 60_000;

export function registerResponseStall(app: FastifyInstance, stallMs: number): void {
  app.addHook('onRequest', async (req, reply) => {
    const res = reply.raw;
    // Node's socket timeout: nothing read or written for stallMs, a write that is slowly going out excepted. With a
    // listener, Node leaves the connection to it. Once the answer is sent, Node's keep-alive timeout replaces it.
    res.setTimeout(stallMs, () => {
      const unsent = res.writableLength;
      if (unsent === 0 || res.destroyed) return;
      // the route's pattern, not the URL: a path may hold a caller's number
      req.log.warn({ method: req.method, url: req.routeOptions.url, status: res.statusCode, unsentBytes: unsent, stallMs },
        'answer abandoned: its client stopped reading it');
      res.destroy();
    });
  });
}
