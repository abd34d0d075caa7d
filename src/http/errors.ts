/** HTTP errors with stable codes, and the one place that maps any thrown error to a JSON `{error, message}`. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(readonly statusCode: number, readonly code: string, message: string, readonly details?: Record<string, unknown>) {
    super(message);
  }
}

export const badRequest = (message: string, details?: Record<string, unknown>): HttpError => new HttpError(400, 'bad-request', message, details);

/** Fastify's own client errors (bad JSON, wrong content type, body too large…) keep their status. */
function clientStatus(err: FastifyError): number | null {
  const s = err.statusCode;
  return typeof s === 'number' && s >= 400 && s < 500 ? s : null;
}

export function errorHandler(err: FastifyError | HttpError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof HttpError) {
    return reply.code(err.statusCode).send({ error: err.code, message: err.message, ...err.details });
  }
  if ((err as FastifyError).validation) {
    return reply.code(400).send({ error: 'bad-request', message: err.message });
  }
  const status = clientStatus(err as FastifyError);
  if (status !== null) {
    const code = status === 413 ? 'too-large' : status === 415 ? 'unsupported-media-type' : 'bad-request';
    return reply.code(status).send({ error: code, message: err.message });
  }
  req.log.error({ err }, 'request failed');
  return reply.code(500).send({ error: 'internal', message: 'internal error (see the chut log)' });
}
