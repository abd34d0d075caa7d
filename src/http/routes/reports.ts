/** POST /api/reports/:number: a user says a number is spam (or wanted); the screener applies the effects. */
import type { FastifyInstance } from 'fastify';
import { normalise } from '../../phone/index.js';
import type { UserReportKind } from '../../screening/types.js';
import type { RouteContext } from '../context.js';
import { badRequest, quoteInput } from '../errors.js';

const schema = {
  params: { type: 'object', required: ['number'], properties: { number: { type: 'string', minLength: 1, maxLength: 64 } } },
  body: { type: ['object', 'null'], additionalProperties: false, properties: { kind: { type: 'string', enum: ['spam', 'allow'] } } },
} as const;

export function registerReportRoutes(app: FastifyInstance, ctx: RouteContext): void {
  app.post<{ Params: { number: string }; Body: { kind?: UserReportKind } | null }>(
    '/api/reports/:number', { schema }, async (req) => {
      const caller = normalise(req.params.number, '', { defaultCountry: ctx.config.screening.defaultCountry });
      // Quoted as sent: the normalised `raw` has lost the invisible characters that may be why it is refused.
      if (caller.number.kind !== 'valid') throw badRequest(`${quoteInput(req.params.number)} is not a valid phone number`);
      const e164 = caller.number.e164;
      const kind = req.body?.kind ?? 'spam';
      await ctx.storeWrite(req, 'report', () => ctx.screening.reportNumber(e164, kind, 'api'));
      req.log.info({ caller: e164, kind }, 'user report (API)');
      return { number: e164, kind };
    });
}
