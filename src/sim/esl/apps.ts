/**
 * The dialplan applications chut may execute over the socket, as the simulated channel runs them. The
 * caller is simulated here: a person types the digits it heard after the prompt; a robot blasts DTMF
 * during prompts; DTMF events fire only when `play_and_get_digits` consumes a digit, as on FreeSWITCH.
 */
import type { SimulatedCall, SimulatedRoute } from '../types.js';
import { findUser, SIM_VOICEMAIL_PROFILES, type DirectoryUser } from './directory.js';
import type { Headers } from './frames.js';

export interface AppHost {
  readonly call: SimulatedCall;
  readonly env: {
    mediaMs: number; messageMs: number; transfers: Record<string, SimulatedRoute>; faults: { missingFiles: string[] };
    directory: readonly DirectoryUser[];
  };
  readonly vars: Record<string, string>;
  readonly dtmf: string[];
  hungUp: boolean;
  /** A scheduled transfer took the call away (chut.xml's bound): the running app stops as for a hang-up. */
  readonly interrupted: boolean;
  /** The caller types digits: queued until an app reads them. */
  typeDigits(digits: string): void;
  /** Next queued digit, waiting up to `ms`; null on timeout or hang-up. */
  nextDigit(ms: number): Promise<string | null>;
  heard: string;
  /** Digits played since the caller was last asked to type them (a person types what it heard). */
  heardSinceAsked: string;
  sleep(ms: number): Promise<void>;
  later(ms: number, fn: () => void): void;
  publish(name: string, extra?: Headers): void;
  markRouted(): void;
  setRoute(route: SimulatedRoute): void;
  answer(): void;
  hangup(cause: string, byCaller: boolean): void;
  transferred(route: SimulatedRoute): void;
  /** `transfer` to an extension no dialplan entry matches: FreeSWITCH hangs up with NO_ROUTE_DESTINATION. */
  noRoute(): void;
}

/** Digits a prompt says: `digits/4.wav` files, or `say … iterated 4721`. */
function digitsSaid(files: string[]): string {
  return files.map((f) => /(?:^|\/)digits\/(\d)\.wav$/.exec(f)?.[1] ?? '').join('');
}

/**
 * `playback` of one file or of a `file_string://a!b!c` list. Like mod_file_string, a list skips the files it cannot
 * open and plays the others: it answers FILE PLAYED when any one file played, FILE NOT FOUND only when none did
 * (then, as for a missing single file, without PLAYBACK_START).
 */
async function playback(host: AppHost, arg: string): Promise<string> {
  const files = arg.startsWith('file_string://') ? arg.slice('file_string://'.length).split('!') : [arg];
  const b = host.call.behaviour;
  if (b.kind === 'blasts-dtmf') host.typeDigits(b.digits);
  const playable = files.filter((f) => !host.env.faults.missingFiles.some((m) => f.includes(m)));
  if (playable.length === 0) return 'FILE NOT FOUND';
  host.publish('PLAYBACK_START', [['Playback-File-Path', arg]]);
  await host.sleep(host.env.mediaMs * playable.length);
  // playback_function (mod_dptools): any status but success or not-found. A transfer makes the channel not ready,
  // which ends the file as a hang-up does.
  if (host.hungUp || host.interrupted) return 'PLAYBACK ERROR';
  const said = digitsSaid(playable);
  if (said) { host.heard += said; host.heardSinceAsked += said; }
  host.publish('PLAYBACK_STOP', [['Playback-File-Path', arg]]);
  return 'FILE PLAYED';
}

/** `min max tries timeout terminators file invalid_file var regexp digit_timeout` */
async function playAndGetDigits(host: AppHost, arg: string): Promise<string> {
  const [min = '1', max = '1', , timeout = '5000', terminators = '#', , , variable = 'pagd', , digitTimeout] = arg.split(' ');
  const b = host.call.behaviour;
  const typeAfter = 'delayMs' in b ? b.delayMs ?? 100 : 100;
  const heard = host.heardSinceAsked;
  host.heardSinceAsked = '';
  if (b.kind === 'types-what-it-hears') host.later(typeAfter, () => host.typeDigits(heard));
  if (b.kind === 'types') host.later(typeAfter, () => host.typeDigits(b.digits));
  let got = '';
  while (got.length < Number(max)) {
    const d = await host.nextDigit(got === '' ? Number(timeout) : Number(digitTimeout ?? timeout));
    if (d === null) break;
    host.publish('DTMF', [['DTMF-Digit', d], ['DTMF-Duration', '2000'], ['DTMF-Source', 'RTP']]);
    if (terminators.includes(d)) break;
    got += d;
  }
  if (host.hungUp) return '_none_';
  const ok = got.length >= Number(min);
  host.vars[variable] = ok ? got : '';
  host.vars.read_result = ok ? 'success' : 'timeout';
  return '_none_';
}

/** Channel variables in an app argument, as FreeSWITCH expands them before running the app. */
function expand(arg: string, vars: Record<string, string>): string {
  return arg.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_m, name: string) => vars[name] ?? '');
}

/**
 * mod_voicemail leaving a message: `<profile> <domain> <id>`, the box looked up by id then number-alias. It never
 * answers (recording pre-answers). When it cannot take the message it returns and whatever is queued next runs: an
 * unknown profile ("Error invalid profile") and a user with vm-enabled=false at once, an unknown box after the
 * goodbye prompt ("Can't find user").
 */
async function voicemail(host: AppHost, arg: string): Promise<string> {
  host.markRouted();
  const [profile = '', domain = '', id = ''] = expand(arg, host.vars).split(' ');
  if (!SIM_VOICEMAIL_PROFILES.includes(profile)) return '_none_';
  const user = findUser(host.env.directory, ['id', 'number-alias'], id, domain);
  if (!user) {
    await host.sleep(host.env.mediaMs);
    return '_none_';
  }
  if (user.vmEnabled === false) return '_none_';
  host.setRoute('voicemail');
  // The caller leaves a message, then hangs up (unless a scheduled transfer took the call away meanwhile).
  host.later(host.env.messageMs, () => { if (!host.interrupted) host.hangup('NORMAL_CLEARING', true); });
  return '_none_';
}

export async function runApp(host: AppHost, app: string, arg: string): Promise<string> {
  switch (app) {
    case 'answer': host.markRouted(); host.answer(); return '_none_';
    case 'pre_answer': host.markRouted(); host.publish('CHANNEL_PROGRESS_MEDIA'); return '_none_';
    case 'set': {
      const i = arg.indexOf('=');
      if (i > 0) host.vars[arg.slice(0, i)] = arg.slice(i + 1);
      return '_none_';
    }
    case 'unset': delete host.vars[arg]; return '_none_';
    case 'flush_dtmf': host.dtmf.length = 0; return '_none_';
    case 'playback': return playback(host, arg);
    case 'play_and_get_digits': return playAndGetDigits(host, arg);
    case 'sleep': await host.sleep(Number(arg) || 0); return '_none_';
    case 'say': {
      const digits = /iterated\s+(\d+)/.exec(arg)?.[1] ?? '';
      await host.sleep(host.env.mediaMs);
      host.heard += digits; host.heardSinceAsked += digits;
      return '_none_';
    }
    case 'transfer': {
      host.markRouted();
      const [ext = '', , ctx = 'default'] = arg.split(' ');
      const target = host.env.transfers[`${ext} ${ctx}`];
      if (target) host.transferred(target);
      else host.noRoute();
      return '_none_';
    }
    case 'voicemail': return voicemail(host, arg);
    case 'respond': {
      host.markRouted();
      const code = Number(arg.split(' ')[0]);
      if (code >= 300) host.hangup(code === 486 ? 'USER_BUSY' : 'CALL_REJECTED', false);
      return '_none_';
    }
    case 'hangup': host.markRouted(); host.hangup(arg || 'NORMAL_CLEARING', false); return '_none_';
    default: return '_none_';
  }
}
