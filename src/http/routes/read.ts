/** Read routes: stats, the call-record stream (paged) and the explanation of one number. */
import type { FastifyInstance } from 'fastify';
import { normalise } from '../../phone/index.js';
import { STREAM_ID_PATTERN } from '../../reputation/calls.js';
import { ACTIONS } from '../../rules/types.js';
import type { RouteContext } from '../context.js';
import { badRequest, quoteInput } from '../errors.js';
import { parseSince } from '../params.js';

const sinceProp = { type: 'string', minLength: 1, maxLength: 40 } as const;

const statsSchema = {
  querystring: { type: 'object', additionalProperties: false, properties: { since: sinceProp } },
} as const;

const callsSchema = {
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      since: sinceProp,
      // the decided action: anything else (`rejected`, a route such as `hung-up`) matched nothing, and the empty page
      // with `next: null` read as "no such call"
      action: { type: 'string', enum: ACTIONS },
      limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
      before: { type: 'string', pattern: STREAM_ID_PATTERN },
    },
  },
} as const;

const numberSchema = {
  params: { type: 'object', properties: { number: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['number'] },
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: { dialled: { type: 'string', maxLength: 64 }, name: { type: 'string', maxLength: 128 } },
  },
} as const;

export function registerReadRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.get<{ Querystring: { since?: string } }>('/api/stats', { schema: statsSchema, config: { operation: 'stats' } }, async (req) => {
    const now = ctx.now();
    const since = parseSince(req.query.since, now, '24h');
    // up to 1 + 40 requests (40 days of top callers): the 503 deadline, or the client leaving, stops them
    return ctx.storeCall(req, 'stats', (signal) => ctx.store.stats({ since, now, signal }));
  });

  app.get<{ Querystring: { since?: string; action?: string; limit: number; before?: string } }>(
    '/api/calls', { schema: callsSchema, config: { operation: 'calls' } }, async (req) => {
      const q = req.query;
      const since = q.since === undefined ? undefined : parseSince(q.since, ctx.now(), q.since);
      // a filter that matches little pages on past CALLS_SCAN_LIMIT entries; the 503 deadline, or the client leaving, stops the walk
      return ctx.storeCall(req, 'calls', (signal) => ctx.store.calls({ since, before: q.before, action: q.action, limit: q.limit, signal }));
    });

  app.get<{ Params: { number: string }; Querystring: { dialled?: string; name?: string } }>(
    '/api/numbers/:number', { schema: numberSchema, config: { operation: 'explain' } }, async (req) => {
      const raw = req.params.number;
      const caller = normalise(raw, '', { defaultCountry: ctx.config.screening.defaultCountry });
      if (caller.number.kind === 'invalid') {
        // Quote the number as sent, invisible characters shown (often the very reason it is invalid), cut at 40 characters.
        throw badRequest(`${quoteInput(raw)} is not a valid phone number (${caller.number.reason})`);
      }
      return ctx.storeCall(req, 'explain', () => ctx.screening.explain(raw, { dialled: req.query.dialled, callerName: req.query.name }));
    });
}
