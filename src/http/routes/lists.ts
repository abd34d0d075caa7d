/**
 * PUT/DELETE /api/lists/{allow|block}/:entry: exact numbers and prefixes (`+33162*`, `0162*`).
 * Putting an entry on one list takes the same entry off the other: at equal length an allow entry beats a
 * block entry, so "block this number" would otherwise do nothing for an allowlisted number.
 */
import type { FastifyInstance } from 'fastify';
import { BROAD_PREFIX_WHY, isBroadPrefix, parseListEntry, type ListEntry } from '../../phone/index.js';
import type { ListName, ListRecord } from '../../reputation/types.js';
import type { RouteContext } from '../context.js';
import { badRequest, HttpError } from '../errors.js';
import { cleanText, parseExpires } from '../params.js';
import { refusedRecord } from '../refused-record.js';

const params = {
  type: 'object',
  required: ['list', 'entry'],
  properties: { list: { type: 'string', enum: ['allow', 'block'] }, entry: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

const putBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { reason: { type: 'string', maxLength: 200 }, expires: { type: 'string', maxLength: 40 }, force: { type: 'boolean' } },
} as const;

type Params = { list: ListName; entry: string };

export function entryText(entry: ListEntry): string {
  return entry.kind === 'number' ? entry.e164 : `${entry.prefix}*`;
}

function parseEntry(raw: string, defaultCountry: string): ListEntry {
  const entry = parseListEntry(raw, defaultCountry);
  if ('error' in entry) throw badRequest(entry.error);
  return entry;
}

export function registerListRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const country = ctx.config.screening.defaultCountry;

  app.put<{ Params: Params; Body: { reason?: string; expires?: string; force?: boolean } | null }>(
    '/api/lists/:list/:entry', { schema: { params, body: putBody }, config: { operation: 'addListEntry' } }, async (req) => {
      const entry = parseEntry(req.params.entry, country);
      if (isBroadPrefix(entry) && req.body?.force !== true) {
        throw badRequest(`${entryText(entry)} ${BROAD_PREFIX_WHY}; send "force": true if you mean it`,
          { needsForce: true });
      }
      const now = ctx.now();
      const record: ListRecord = {
        list: req.params.list, entry, reason: cleanText(req.body?.reason), source: 'api',
        addedAt: now, expiresAt: parseExpires(req.body?.expires, now),
      };
      const other: ListName = record.list === 'allow' ? 'block' : 'allow';
      // one atomic write: a refusal leaves both lists as they were; one Redis did not confirm (503 store-timeout) is
      // applied whole or not at all, and the answer says to check which; a record the store refuses applied nothing
      const removedFromOther = await ctx.storeWrite(req, 'addListEntry', () => ctx.store.addListEntry(record, { exclusive: true })
        .catch(refusedRecord(req, 'addListEntry', 'nothing was applied')));
      req.log.info({ list: record.list, entry: entryText(entry), removedFromOther }, 'list entry added (API)');
      return { list: record.list, entry: entryText(entry), record, removedFrom: removedFromOther ? other : null };
    });

  // a DELETE takes no fields: `{"list": "block"}` in the body must not look as if it had been read
  app.delete<{ Params: Params }>('/api/lists/:list/:entry', { schema: { params, body: { type: ['object', 'null'], additionalProperties: false, properties: {} } }, config: { operation: 'removeListEntry' } }, async (req) => {
    const entry = parseEntry(req.params.entry, country);
    const removed = await ctx.storeWrite(req, 'removeListEntry', () => ctx.store.removeListEntry(entry, req.params.list));
    if (!removed) throw new HttpError(404, 'not-found', `${entryText(entry)} is not on the ${req.params.list} list`);
    req.log.info({ list: req.params.list, entry: entryText(entry) }, 'list entry removed (API)');
    return { list: req.params.list, entry: entryText(entry), removed: true };
  });
}
