/**
 * What each route means in FreeSWITCH applications, from config only. Every argument is either a fixed
 * string or a config value re-checked here; the mailbox (which may come from the dialled number) is checked
 * against the mailbox pattern, and an unusable one makes the caller fall back to ring (fail-open).
 */
import type { Config, RejectStyle } from '../config.js';
import { argPattern, checked } from './command.js';

export interface AppStep {
  app: string;
  arg: string;
}

/** SIT (special information tone) then silence: three rising tones, as carriers play for "not in service". */
const SIT_TONE = 'tone_stream://%(274,0,913.8);%(274,0,1370.6);%(380,0,1776.7)';

export function rejectSteps(style: RejectStyle): AppStep[] {
  switch (style) {
    case 'sip-607':
      return [{ app: 'respond', arg: '607 Unwanted' }, { app: 'hangup', arg: 'CALL_REJECTED' }];
    case 'sip-603':
      return [{ app: 'respond', arg: '603 Decline' }, { app: 'hangup', arg: 'CALL_REJECTED' }];
    case 'busy':
      return [{ app: 'hangup', arg: 'USER_BUSY' }];
    case 'congestion':
      return [{ app: 'hangup', arg: 'NORMAL_CIRCUIT_CONGESTION' }];
    case 'sit':
      // Early media only: the tone reaches the caller without answering (no billing for them).
      return [{ app: 'pre_answer', arg: '' }, { app: 'playback', arg: SIT_TONE }, { app: 'hangup', arg: 'UNALLOCATED_NUMBER' }];
  }
}

/** Ring through a transfer, or null when the socket should simply end so the dialplan continues. */
export function ringTransferStep(config: Readonly<Config>): AppStep | null {
  const t = config.esl.ringTransfer;
  if (!t) return null;
  return { app: 'transfer', arg: transferArg(t.extension, t.context) };
}

export function transferArg(extension: string, context: string): string {
  return `${checked(extension, argPattern.dialplanName, 'extension')} XML ${checked(context, argPattern.dialplanName, 'context')}`;
}

/**
 * Voicemail steps, or null when no usable mailbox exists. `app` mode queues the voicemail app and then a
 * hangup, so that the call can never fall through to the normal destination once voicemail is over.
 */
export function voicemailSteps(config: Readonly<Config>, mailbox: string | null): AppStep[] | null {
  const vm = config.esl.voicemail;
  if (vm.type === 'transfer') return [{ app: 'transfer', arg: transferArg(vm.extension, vm.context) }];
  const box = voicemailBox(config, mailbox);
  if (box === null) return null;
  const profile = checked(vm.profile, argPattern.dialplanName, 'voicemail profile');
  // mod_voicemail never answers (it records in early media, which many carriers do not carry from the caller):
  // answer first, as FreeSWITCH's own dialplan does.
  return [{ app: 'answer', arg: '' }, { app: 'voicemail', arg: `${profile} \${domain_name} ${box}` }, { app: 'hangup', arg: 'NORMAL_CLEARING' }];
}

/**
 * The box the voicemail app is given (the configured one, else the dialled number), or null when unusable.
 * `routes.voicemailMailbox` may be written Asterisk's way, `BOX@CONTEXT`: the context means nothing to FreeSWITCH,
 * whose boxes live in the `${domain_name}` directory, so only BOX is kept (`100@default` would never exist there).
 */
export function voicemailBox(config: Readonly<Config>, mailbox: string | null): string | null {
  const configured = config.routes.voicemailMailbox;
  const box = configured !== null ? (configured.split('@')[0] as string) : mailbox;
  return box !== null && argPattern.mailbox.test(box) ? box : null;
}
