/** The captcha route: challenge the caller, then ring on a pass or take the failure route. */
import type { CaptchaOutcome } from '../../reputation/types.js';
import { runCaptcha } from '../run-captcha.js';
import { callerLeft } from '../types.js';
import { ringRoute, rejectRoute, voicemailRoute } from './simple.js';
import type { RouteContext, RouteHandler, RouteResult } from './types.js';

/**
 * The route a verdict leads to. The verdict is kept whatever happens next (it is learned from and counted): a caller
 * who hangs up before the route is taken, or a route the PBX fails to take (a mailbox check or a `continue` that
 * errors), which rings instead (fail-open).
 */
async function routeAfter(ctx: RouteContext, route: RouteHandler, outcome: CaptchaOutcome): Promise<RouteResult> {
  try {
    return { ...(await route(ctx)), captcha: outcome };
  } catch (err) {
    if (callerLeft(err, ctx.control)) return { finalRoute: 'hung-up', captcha: outcome };
    ctx.logger.warn({ err: String(err), outcome }, 'the route after the captcha failed: trying to ring (fail-open), the verdict kept');
    await ctx.control.ring().catch((e: unknown) => ctx.logger.warn({ err: String(e) }, 'fail-open ring failed too'));
    return { finalRoute: 'ring', captcha: outcome };
  }
}

function afterFailure(onFail: RouteContext['onCaptchaFail']): RouteHandler {
  return onFail === 'reject' ? rejectRoute : onFail === 'voicemail' ? voicemailRoute : ringRoute;
}

export const captchaRoute: RouteHandler = async (ctx) => {
  const outcome = await runCaptcha(ctx.control, ctx.captcha);
  ctx.logger.debug({ outcome }, 'captcha finished');
  switch (outcome) {
    case 'passed':
      return routeAfter(ctx, ringRoute, outcome);
    case 'failed':
      return routeAfter(ctx, afterFailure(ctx.onCaptchaFail), outcome);
    case 'timeout':
      return routeAfter(ctx, afterFailure(ctx.onCaptchaTimeout), outcome);
    case 'hung-up':
      return { finalRoute: 'hung-up', captcha: outcome };
  }
};
