/** The captcha route: challenge the caller, then ring on a pass or take the failure route. */
import type { CaptchaOutcome } from '../../reputation/types.js';
import { runCaptcha } from '../run-captcha.js';
import { callerLeft } from '../types.js';
import { ringRoute, rejectRoute, voicemailRoute } from './simple.js';
import type { RouteContext, RouteHandler, RouteResult } from './types.js';

/** The route a verdict leads to. A caller who hangs up before it is taken keeps the verdict (it is learned from). */
async function routeAfter(ctx: RouteContext, route: RouteHandler, outcome: CaptchaOutcome): Promise<RouteResult> {
  try {
    return { ...(await route(ctx)), captcha: outcome };
  } catch (err) {
    if (callerLeft(err, ctx.control)) return { finalRoute: 'hung-up', captcha: outcome };
    throw err;
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
