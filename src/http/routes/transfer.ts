/**
 * GET /api/export (CSV stream, re-importable with format `chut`) and POST /api/import (text/csv body, and no other type).
 * An import is all-or-nothing: by default one unreadable line rejects the whole file (400, with the count and
 * reasons) and nothing is written; `onInvalid=skip` imports the readable lines and reports the rest.
 *
 * A client that hangs up changes none of that. Before its file has arrived whole, nothing is imported: the body reader
 * fails, and no route runs on part of a file. Once the file is in, the import goes on to its end: stopping the writes
 * midway would need an undo that can fail too, and the file is there whole. Nobody is left to read the answer, so the
 * log says what became of it.
 *
 * Imports in progress at once are bounded (http.maxConcurrentImports, slots.ts): each holds its file and its
 * parsed lines in memory. One more is refused at once, once its token is checked and before its body is read: 429 with
 * `Retry-After`, nothing imported. An import holds its slot from its headers until it ends, whatever its end: its
 * answer, or the end of its store operations when its client hung up, or when a time limit answered first.
 *
 * Exports in progress at once are bounded too (http.maxConcurrentExports): each holds the store's read of the lists
 * (their bucket indices, a pipeline of up to 1000 buckets) and keeps Redis busy. One more is refused at once: 429
 * with `Retry-After`.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { runCooperatively } from '../../cooperative.js';
import { decodeListFile, formatExport, ImportError, type ListFileCharset } from '../../reputation/index.js';
import { HARMLESS_SKIPS, importColumnSteps, skipCountsText, type ImportedList } from '../../reputation/import.js';
import { listOverlap } from '../../reputation/transfer-overlap.js';
import type { ImportStats, ListName } from '../../reputation/types.js';
import { StoreStoppedError, type RouteContext } from '../context.js';
import { badRequest, createErrorHandler, HttpError, quoteInput, type ErrorHandler } from '../errors.js';
import { refusedRecord } from '../refused-record.js';
import { Slots } from '../slots.js';
import { countedGrouped } from '../../plural.js';

type Format = 'auto' | 'csv' | 'ftc' | 'chut';
type ImportQuery = { format: Format; list: ListName; onInvalid: 'reject' | 'skip'; force: boolean };

const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

const importSchema = {
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      format: { type: 'string', enum: ['auto', 'csv', 'ftc', 'chut'], default: 'auto' },
      list: { type: 'string', enum: ['allow', 'block'], default: 'block' },
      onInvalid: { type: 'string', enum: ['reject', 'skip'], default: 'reject' },
      /** Take prefixes of 3 digits or fewer (a whole country code), as PUT /api/lists wants "force": true. */
      force: { type: 'boolean', default: false },
    },
  },
  body: { type: 'string' },
} as const;

/** Parsed in slices: the server screens calls while it reads a large file (see runCooperatively). The records stay in
 * columns (import.ts: ~33 bytes a line, where plain records took ~190). */
async function parse(ctx: RouteContext, text: string, q: ImportQuery): Promise<ImportedList> {
  try {
    const { records, stats } = await runCooperatively(importColumnSteps(text, {
      format: q.format, list: q.list, defaultCountry: ctx.config.screening.defaultCountry, now: ctx.now(),
      allowBroadPrefixes: q.force,
    }));
    return { records, stats };
  } catch (err) {
    if (err instanceof ImportError) throw badRequest(`the file cannot be read: ${err.message}; nothing was imported`);
    throw err;
  }
}

/** Lines that could not be read, and why, e.g. `2 × invalid number`. */
function badLines(stats: ImportStats): { count: number; why: string } {
  const bad = Object.entries(stats.skippedWhy).filter(([why, n]) => n > 0 && !HARMLESS_SKIPS.has(why));
  return { count: bad.reduce((s, [, n]) => s + n, 0), why: skipCountsText(bad) };
}

/** Charsets a CSV body may declare (Excel's "CSV" is Windows-1252); none declared means UTF-8. */
const CHARSETS: Record<string, ListFileCharset> = { 'utf-8': 'utf-8', utf8: 'utf-8', 'iso-8859-1': 'windows-1252', latin1: 'windows-1252', 'windows-1252': 'windows-1252' };

/** The body as text, in the charset it declares (decodeListFile: strict, as the CLI reads a file). */
export function decodeCsvBody(contentType: string | undefined, body: Buffer): string {
  const declared = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase() ?? 'utf-8';
  const charset = CHARSETS[declared];
  if (!charset) throw new HttpError(415, 'unsupported-media-type', `charset ${JSON.stringify(declared.slice(0, 30))} is not supported: send UTF-8 (or ISO-8859-1); nothing was imported`);
  try {
    return decodeListFile(body, charset);
  } catch (err) {
    const hint = charset === 'utf-8' ? ' (or declare its charset: text/csv; charset=iso-8859-1)' : '';
    throw badRequest(`the file cannot be read: ${(err as Error).message}${hint}; nothing was imported`);
  }
}

/** Keeps each store operation an import starts: a time limit answers without waiting for it, and the import's slot is
 * held until it ends (a write still running, or its undo, is an import in progress). */
type Track = <T>(operation: Promise<T>) => Promise<T>;

/** The import proper: the file read, checked against the lists, written (all or nothing), and logged. */
async function importFile(ctx: RouteContext, req: FastifyRequest<{ Querystring: ImportQuery; Body: string }>, track: Track) {
  const { records, stats } = await parse(ctx, req.body, req.query);
  // the text (up to 20 MiB) is not needed past the parse, and the writes below may take a minute
  req.body = '';
  const bad = badLines(stats);
  if (bad.count > 0 && req.query.onInvalid === 'reject') {
    throw badRequest(`${countedGrouped(bad.count, 'line')} cannot be imported (${bad.why}); nothing was imported (send onInvalid=skip to import the rest)`, { stats });
  }
  if (records.length === 0) throw badRequest('the file holds no list entry; nothing was imported', { stats });
  // an import never moves an entry off the other list (allow wins): the lines that land on both are reported. Neither
  // store operation takes storeCall's signal, which a client hanging up aborts: the file is in, it is applied whole.
  const overlap = await ctx.storeCall(req, 'listOverlap', () => track(listOverlap(ctx.store, records, ctx.now())), 60_000);
  // At the time limit the import is stopped and what it wrote undone, before the 503 says it failed: a timeout
  // must not leave it applied after all. The undo gets its own time within storeCall's limit.
  const limitMs = ctx.importTimeLimitMs ?? 60_000;
  const limit = new AbortController();
  const timer = setTimeout(() => limit.abort(new StoreStoppedError(`importList timed out after ${limitMs} ms`)), limitMs);
  try {
    // a write Redis did not confirm may be applied though the undo ran: answered store-timeout, saying so. A record the
    // store refuses is refused before any is written (records carry no line number: the entry is named)
    await ctx.storeWrite(req, 'importList', () => track(ctx.store.importList(records, { signal: limit.signal }))
      .catch(refusedRecord(req, 'importList', 'nothing was imported')), 2 * limitMs);
  } finally {
    clearTimeout(timer);
  }
  const imported = { list: req.query.list, format: req.query.format, taken: stats.taken, skipped: stats.skipped, ...overlap };
  if (req.clientGone.aborted) req.log.warn(imported, 'list imported (API), though its client hung up before the answer');
  else req.log.info(imported, 'list imported (API)');
  return { imported: records.length, stats, overlap };
}

/** An import's slot, from its headers (once its token is checked) on. */
interface Slot {
  give(): void;
  /** The route runs: the slot is given back when its work ends, not by the error handler or the connection's end. */
  routed: boolean;
}

/** An error answered to an import's client: when that client hung up, the log is the only one to hear of it. */
function answerImportError(answerError: ErrorHandler, taken: WeakMap<FastifyRequest, Slot>, err: Parameters<ErrorHandler>[0], req: FastifyRequest, reply: FastifyReply): FastifyReply {
  // refused before the route ran (408, 413, 415, a bad query…): nothing was read into memory that outlives this
  const slot = taken.get(req);
  if (slot && !slot.routed) slot.give();
  const answered = answerError(err, req, reply);
  const gone = req.clientGone.aborted || (err as NodeJS.ErrnoException).code === 'ECONNRESET';
  if (!gone) return answered;
  if (!req.raw.complete) {
    req.log.info('import abandoned: its client hung up before the file arrived whole; nothing was imported');
  } else {
    // status and code only: a message may quote the file
    req.log.info({ status: reply.statusCode, error: err instanceof HttpError ? err.code : undefined }, 'import ended in an error its client did not wait for (it had hung up)');
  }
  return answered;
}

export function registerTransferRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const exportSlots = new Slots(ctx.config.http.maxConcurrentExports);
  app.get('/api/export', { config: { operation: 'export' } }, async (req, reply) => {
    // Taken once the token is checked, before the store is read; given back when the answer has ended, however (sent,
    // failed, its client gone, or cut when its client stopped reading: response-stall.ts).
    const give = exportSlots.take();
    if (give === null) {
      ctx.metrics.exportRefused();
      req.log.info({ max: exportSlots.max }, 'export refused: the most exports at once are in progress');
      throw exportSlots.refusal(reply, 'export', 'http.maxConcurrentExports', 'ask again');
    }
    reply.raw.once('close', give);
    // A store that fails before the first line gets a clean 503; later failures can only cut the stream. Counted as
    // `export`, not as /healthz's `ping`: a failing export must not read as failing health checks.
    await ctx.storeCall(req, 'export', () => ctx.store.ping());
    const lines = Readable.from(formatExport(ctx.store.exportLists()));
    lines.on('error', (err) => ctx.logger.warn({ err: String(err) }, 'export stream failed'));
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="chut-lists.csv"')
      .send(lines);
  });

  // The import route in a scope of its own: its parser (20 MiB, strict charset decoding) is its alone, so no other
  // route reads a CSV body past its own 64 KiB limit, and it reads nothing but text/csv (Fastify's lenient
  // text/plain and JSON parsers would store U+FFFD for every accent, or ignore a declared charset).
  app.register(async (scope) => {
    const importSlots = new Slots(ctx.config.http.maxConcurrentImports);
    const taken = new WeakMap<FastifyRequest, Slot>();
    scope.removeAllContentTypeParsers();
    const answerError = createErrorHandler(ctx.metrics);
    scope.setErrorHandler((err: Parameters<ErrorHandler>[0], req, reply) => answerImportError(answerError, taken, err, req, reply));
    // after the root's hooks (the token is checked first) and before the body is read: a refused import's body is
    // never buffered (Node discards it as it arrives, as for a 401)
    scope.addHook('onRequest', async (req, reply) => {
      const give = importSlots.take();
      if (give === null) {
        ctx.metrics.importRefused();
        req.log.info({ max: importSlots.max }, 'import refused: the most imports at once are in progress');
        throw importSlots.refusal(reply, 'import', 'http.maxConcurrentImports', 'nothing was imported: send the file again');
      }
      const slot: Slot = { give, routed: false };
      taken.set(req, slot);
      // a connection that ends before the body arrived whole never reaches the route: given back here, whatever the
      // body reader does
      reply.raw.once('close', () => { if (!slot.routed && !req.raw.complete) give(); });
    });
    scope.addContentTypeParser('text/csv', { parseAs: 'buffer', bodyLimit: MAX_IMPORT_BYTES }, (req, body, done) => {
      try {
        done(null, decodeCsvBody(req.headers['content-type'], body as Buffer));
      } catch (err) {
        done(err as Error, undefined);
      }
    });
    scope.addContentTypeParser('*', (req, _payload, done) => {
      const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
      const sent = type === '' ? 'a body without a content type' : `content type ${quoteInput(type, 60)}`;
      done(new HttpError(415, 'unsupported-media-type', `the import reads text/csv only (UTF-8, or declare charset=iso-8859-1), not ${sent}; nothing was imported`), undefined);
    });
    scope.post<{ Querystring: ImportQuery; Body: string }>('/api/import', { schema: importSchema, bodyLimit: MAX_IMPORT_BYTES, config: { operation: 'importList' } }, async (req) => {
      // the file is in whole: a client that hangs up from here does not stop the import (see the top of this file)
      const onGone = () => req.log.info({ list: req.query.list }, 'the import\'s client hung up before the answer: the file arrived whole, the import goes on');
      req.clientGone.addEventListener('abort', onGone, { once: true });
      const slot = taken.get(req);
      if (slot) slot.routed = true;
      const running: Array<Promise<unknown>> = [];
      const track: Track = (operation) => {
        running.push(operation);
        return operation;
      };
      try {
        return await importFile(ctx, req, track);
      } finally {
        req.clientGone.removeEventListener('abort', onGone);
        void Promise.allSettled(running).then(() => slot?.give());
      }
    });
  });
}
