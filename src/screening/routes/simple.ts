/** The routes that leave screening at once: ring (never answers), voicemail, reject. */
import type { RouteHandler } from './types.js';

export const ringRoute: RouteHandler = async ({ control }) => {
  await control.ring();
  return { finalRoute: 'ring', captcha: null };
};

export const voicemailRoute: RouteHandler = async ({ control, voicemailMailbox, decision }) => {
  const finalRoute = await control.toVoicemail(voicemailMailbox ?? (decision.dialled || null));
  return { finalRoute, captcha: null };
};

export const rejectRoute: RouteHandler = async ({ control }) => {
  const finalRoute = await control.reject();
  return { finalRoute, captcha: null };
};
