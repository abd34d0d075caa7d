/** HTTP errors with stable codes, and the one place that maps any thrown error to a JSON `{error, message}`. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { showInvisible } from '../show-invisible.js';
import type { Metrics } from './metrics.js';
import { routeOperation, type InternalErrorOperation } from './store-operations.js';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(readonly statusCode: number, readonly code: string, message: string, readonly details?: Record<string, unknown>) {
    super(message);
  }
}

/** `500 internal` for a store operation that failed on a bug (storeCall): counted under that operation's name, not
 * the route's (an import runs two). storeCall has logged the error itself. */
export class InternalError extends HttpError {
  constructor(readonly operation: InternalErrorOperation, message: string) {
    super(500, 'internal', message);
  }
}

export const badRequest = (message: string, details?: Record<string, unknown>): HttpError => new HttpError(400, 'bad-request', message, details);

/** A request value as a message quotes it: as sent (not as cleaned), at most `max` characters, invisible ones shown. */
export function quoteInput(value: string, max = 40): string {
  // Cut by code point before escaping, so neither a surrogate pair nor an escape is cut in half.
  return `"${showInvisible(Array.from(value).slice(0, max).join(''))}"`;
}

/** Fastify's own client errors (bad JSON, wrong content type, body too large…) keep their status. */
function clientStatus(err: FastifyError): number | null {
  const s = err.statusCode;
  return typeof s === 'number' && s >= 400 && s < 500 ? s : null;
}

/** Ajv names an unknown property only in its params ("querystring must NOT have additional properties"): the 400
 * names it, as the caller sent it (cut, invisible characters shown). Nor does it list an enum's values ("must be equal
 * to one of the allowed values"): the 400 does. Any other validation error keeps its message. */
function validationMessage(err: FastifyError): string {
  const first = err.validation?.[0];
  const part = err.validationContext ?? 'request';
  const allowed = first?.keyword === 'enum' ? (first.params as { allowedValues?: unknown }).allowedValues : undefined;
  if (Array.isArray(allowed)) return `${part}${first?.instancePath ?? ''} must be one of: ${allowed.map(String).join(', ')}`;
  const extra = first?.keyword === 'additionalProperties' ? (first.params as { additionalProperty?: unknown }).additionalProperty : undefined;
  if (typeof extra !== 'string') return showInvisible(err.message);
  return `${part}${first?.instancePath ?? ''}: unknown ${part === 'body' ? 'field' : 'parameter'} ${quoteInput(extra)}`;
}

export type ErrorHandler = (err: FastifyError | HttpError, req: FastifyRequest, reply: FastifyReply) => FastifyReply;

/**
 * The one place every error a request ends on is answered (Fastify's error handler). Every message goes out with its
 * invisible characters shown, whoever built it: messages from the phone module (list entries) or the import parser
 * quote the caller's input too. Every `500 internal` it answers is counted once in `chut_api_internal_errors_total`:
 * a store operation's under that operation, any other (a route's own code, a hook, a reply that could not be
 * serialised) under its route's operation, or `other`.
 */
export function createErrorHandler(metrics: Pick<Metrics, 'internalError'>): ErrorHandler {
  return (err, req, reply) => {
    const answered = answer(err, req, reply);
    if (answered.statusCode === 500) {
      metrics.internalError(err instanceof InternalError ? err.operation : routeOperation(req.routeOptions.config));
    }
    return answered;
  };
}

function answer(err: FastifyError | HttpError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const message = showInvisible(err.message);
  if (err instanceof HttpError) {
    return reply.code(err.statusCode).send({ error: err.code, message, ...err.details });
  }
  if ((err as FastifyError).validation) {
    return reply.code(400).send({ error: 'bad-request', message: validationMessage(err as FastifyError) });
  }
  if ((err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE' && req.clientGone?.aborted) {
    // an answer's stream (an export) stopped because its client hung up before it began to go out: nobody to answer,
    // and no failure of chut's (Fastify says the same of one cut once sent, at info); 499 as storeCall's client-gone
    req.log.debug({ url: req.routeOptions.url }, 'answer stopped: its client went away');
    return reply.code(499).send({ error: 'client-gone', message: 'the client closed its connection before the answer' });
  }
  const status = clientStatus(err as FastifyError);
  if (status !== null) {
    const code = status === 413 ? 'too-large' : status === 415 ? 'unsupported-media-type' : 'bad-request';
    return reply.code(status).send({ error: code, message });
  }
  req.log.error({ err, operation: routeOperation(req.routeOptions.config) }, 'request failed on an unexpected error (HTTP API): a bug in chut');
  return reply.code(500).send({ error: 'internal', message: 'internal error (see the chut log)' });
}
