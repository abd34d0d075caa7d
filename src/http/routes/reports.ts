/** POST /api/reports/:number: a user says a number is spam (or wanted); the screener applies the effects. */
import type { FastifyInstance } from 'fastify';
import { normalise } from '../../phone/index.js';
import type { ListName } from '../../reputation/types.js';
import type { UserReportKind } from '../../screening/types.js';
import { withTimeout, type RouteContext } from '../context.js';
import { badRequest, quoteInput } from '../errors.js';

const schema = {
  params: { type: 'object', required: ['number'], properties: { number: { type: 'string', minLength: 1, maxLength: 64 } } },
  body: { type: ['object', 'null'], additionalProperties: false, properties: { kind: { type: 'string', enum: ['spam', 'allow'] } } },
} as const;

/**
 * The reading back once the report is made is only there to say what it did: it gets less time than a request (the
 * report, made already, must not wait on it), and a failure leaves `after` null rather than failing a report that stands.
 */
const READ_BACK_MS = 2000;

/** What a report changes about a number, as `GET /api/numbers/…` has it: the answer says what the report did. */
export interface ReportedState {
  score: number;
  /** Spam reports counted (an allow report takes them back). */
  reports: number;
  /** The list the number is on (exactly or by a prefix), as screening reads it; null on neither. */
  list: ListName | null;
}

export function registerReportRoutes(app: FastifyInstance, ctx: RouteContext): void {
  async function stateOf(e164: string): Promise<ReportedState> {
    const { facts } = await ctx.screening.explain(e164);
    return { score: facts?.score ?? 0, reports: facts?.reports ?? 0, list: facts?.listed?.list ?? null };
  }

  app.post<{ Params: { number: string }; Body: { kind?: UserReportKind } | null }>(
    '/api/reports/:number', { schema, config: { operation: 'report' } }, async (req) => {
      const caller = normalise(req.params.number, '', { defaultCountry: ctx.config.screening.defaultCountry });
      // Quoted as sent: the normalised `raw` has lost the invisible characters that may be why it is refused.
      if (caller.number.kind !== 'valid') throw badRequest(`${quoteInput(req.params.number)} is not a valid phone number`);
      const e164 = caller.number.e164;
      const kind = req.body?.kind ?? 'spam';
      // read first, so that a store that does not answer refuses the report (503 store-unavailable, nothing applied)
      const before = await ctx.storeCall(req, 'report', () => stateOf(e164));
      await ctx.storeWrite(req, 'report', () => ctx.screening.reportNumber(e164, kind, 'api'));
      req.log.info({ caller: e164, kind }, 'user report (API)');
      const after = await withTimeout(stateOf(e164), READ_BACK_MS, 'report read-back').catch((err: unknown) => {
        req.log.warn({ caller: e164, err: String(err) }, 'user report applied, but the number could not be read back');
        return null;
      });
      return { number: e164, kind, before, after };
    });
}
