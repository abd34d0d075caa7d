/** The captcha route: challenge the caller, then ring on a pass or take the failure route. */
import { runCaptcha } from '../run-captcha.js';
import { ringRoute, rejectRoute, voicemailRoute } from './simple.js';
import type { RouteContext, RouteHandler, RouteResult } from './types.js';

async function afterFailure(ctx: RouteContext, onFail: RouteContext['onCaptchaFail']): Promise<RouteResult> {
  const next = onFail === 'reject' ? rejectRoute : onFail === 'voicemail' ? voicemailRoute : ringRoute;
  return next(ctx);
}

export const captchaRoute: RouteHandler = async (ctx) => {
  const outcome = await runCaptcha(ctx.control, ctx.captcha);
  ctx.logger.debug({ outcome }, 'captcha finished');
  switch (outcome) {
    case 'passed':
      return { ...(await ringRoute(ctx)), captcha: outcome };
    case 'failed':
      return { ...(await afterFailure(ctx, ctx.onCaptchaFail)), captcha: outcome };
    case 'timeout':
      return { ...(await afterFailure(ctx, ctx.onCaptchaTimeout)), captcha: outcome };
    case 'hung-up':
      return { finalRoute: 'hung-up', captcha: outcome };
  }
};
