import type { Logger } from '../../logger.js';
import type { Action } from '../../rules/types.js';
import type { CaptchaOutcome } from '../../reputation/types.js';
import type { CaptchaSettings } from '../run-captcha.js';
import type { CallControl, FinalRoute, ScreeningDecision } from '../types.js';

/** Everything a route needs for one call. */
export interface RouteContext {
  control: CallControl;
  decision: ScreeningDecision;
  logger: Logger;
  voicemailMailbox: string | null;
  captcha: CaptchaSettings;
  /** Route after a failed captcha, and after a silent one. */
  onCaptchaFail: Action;
  onCaptchaTimeout: Action;
}

export interface RouteResult {
  finalRoute: FinalRoute;
  captcha: CaptchaOutcome | null;
}

export type RouteHandler = (ctx: RouteContext) => Promise<RouteResult>;
