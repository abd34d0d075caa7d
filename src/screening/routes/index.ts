import type { Action } from '../../rules/types.js';
import { captchaRoute } from './captcha.js';
import { rejectRoute, ringRoute, voicemailRoute } from './simple.js';
import type { RouteHandler } from './types.js';

export type { RouteContext, RouteHandler, RouteResult } from './types.js';

/** One handler per action. */
export const ROUTES: Readonly<Record<Action, RouteHandler>> = Object.freeze({
  ring: ringRoute,
  captcha: captchaRoute,
  voicemail: voicemailRoute,
  reject: rejectRoute,
});
