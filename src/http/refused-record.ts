/**
 * A list record a request asked for that the store refuses as malformed (cleanRecord's MalformedRecordError): the
 * route's own checks (a list edit's, the import parser's) let through something chut cannot store. That is the
 * request's answer, 400 naming the entry and its problem, not a store failure's 503 ("try again later" never helps).
 * The stores check a record before the operation given it writes anything, an import every record of the file: the
 * route says what became of the request (`nothing was imported`). Logged at warn: the checks before the store missed it.
 */
import type { FastifyRequest } from 'fastify';
import { MalformedRecordError } from '../reputation/index.js';
import { badRequest } from './errors.js';
import type { ApiStoreOperation } from './store-operations.js';

/** A `.catch` for a store operation on the request's records: a MalformedRecordError becomes the 400; anything else
 * goes on to storeCall, as it came. */
export function refusedRecord(req: FastifyRequest, operation: ApiStoreOperation, outcome: string): (err: unknown) => never {
  return (err) => {
    if (!(err instanceof MalformedRecordError)) throw err;
    req.log.warn({ operation, err: err.message }, 'store refused a malformed list record (HTTP API): the request\'s checks let it through');
    throw badRequest(`${err.entry ?? 'an entry'} cannot be stored (${err.message}); ${outcome}`);
  };
}
