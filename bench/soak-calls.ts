/**
 * The soak's mix of calls (bench/soak.ts): what a home line sees over a day, compressed. New callers and callers who
 * call again (some of them often enough for the burst rules), withheld and invalid caller IDs, blocklisted numbers,
 * telemarketers on the ARCEP prefixes, platforms, failed STIR/SHAKEN; the captcha passed, failed, timed out, hung
 * up or blasted; `*77`/`*78` from the extensions; spam reports through the API. Numbers are national French ones
 * (the shipped policy's country), drawn valid where the policy must see them valid.
 */
import { normalise } from '../src/phone/index.js';
import type { CallerBehaviour, SimulatedCall } from '../src/sim/types.js';

export const DID = '0100000000';
export const EXTENSIONS = ['101', '102', '103', '104', '105', '106', '107', '108'];
const NPV = ['0162', '0163', '0270', '0271', '0377', '0378', '0424', '0425', '0568', '0569', '0948', '0949'];

export const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('');

function validFr(prefix: string, rest: number): string {
  for (;;) {
    const n = `${prefix}${digits(rest)}`;
    if (normalise(n, '', { defaultCountry: 'FR' }).number.kind === 'valid') return n;
  }
}
export const mobile = (): string => validFr(pick(['06', '07']), 8);
const telemarketer = (): string => validFr(pick(NPV), 6);
const platform = (): string => validFr(pick(['0937', '0938', '0939']), 6);

const person = (): CallerBehaviour => ({ kind: 'types-what-it-hears', delayMs: 100 + Math.floor(Math.random() * 400) });

/** Whoever meets the captcha: 40 % type it, the rest fail, hang up, stay silent or blast DTMF over it. */
function captchaBehaviour(): CallerBehaviour {
  const r = Math.random();
  if (r < 0.4) return person();
  if (r < 0.6) return { kind: 'types', digits: '0000', delayMs: 200 };
  if (r < 0.75) return { kind: 'hangs-up', afterMs: 300 + Math.floor(Math.random() * 1500) };
  if (r < 0.9) return { kind: 'silent' };
  return { kind: 'blasts-dtmf', digits: '1234#' };
}

/** What one arrival is: an inbound call, a feature code from an extension, or a spam report through the API. */
export type Arrival =
  | { kind: string; call: SimulatedCall }
  | { kind: 'report-spam' | 'report-allow'; extension: string }
  | { kind: 'api-report' };

export interface CallMix {
  /** The numbers seeded on the blocklist before the soak. */
  blocked: readonly string[];
  next(): Arrival;
}

export function callMix(): CallMix {
  const blocked = Array.from({ length: 300 }, mobile);
  const repeaters = Array.from({ length: 1500 }, () => ({ number: Math.random() < 0.8 ? mobile() : telemarketer(), person: Math.random() < 0.6 }));
  const dialled = (): string => (Math.random() < 0.6 ? DID : pick(EXTENSIONS));
  const call = (kind: string, c: Omit<SimulatedCall, 'dialled'>): Arrival => ({ kind, call: { ...c, dialled: dialled() } });
  const kinds: Array<[weight: number, make: () => Arrival]> = [
    [30, () => call('new', { callerNumber: mobile(), callerName: pick(['', 'DUPONT', 'MARTIN J']), behaviour: person() })],
    [22, () => {
      const r = pick(repeaters);
      return call('repeat', { callerNumber: r.number, callerName: '', behaviour: r.person ? person() : captchaBehaviour() });
    }],
    [8, () => call('withheld', { callerNumber: pick(['anonymous', 'Restricted', '', 'Anonymous']), callerName: '', behaviour: captchaBehaviour() })],
    [4, () => call('invalid', { callerNumber: pick(['12', '0000', `99${digits(3)}`, 'abc']), callerName: 'X', behaviour: captchaBehaviour() })],
    [8, () => call('blocked', { callerNumber: pick(blocked), callerName: 'SPAM', behaviour: { kind: 'silent' } })],
    [12, () => call('telemarketer', { callerNumber: telemarketer(), callerName: 'PROMO', behaviour: captchaBehaviour() })],
    [4, () => call('platform', { callerNumber: platform(), callerName: 'LIVREUR', behaviour: person() })],
    [2, () => call('stir-failed', { callerNumber: mobile(), callerName: '', verstat: 'TN-Validation-Failed', behaviour: captchaBehaviour() })],
    [5, () => ({ kind: 'report-spam', extension: pick(EXTENSIONS) })],
    [2, () => ({ kind: 'report-allow', extension: pick(EXTENSIONS) })],
    [3, () => ({ kind: 'api-report' })],
  ];
  const total = kinds.reduce((sum, [w]) => sum + w, 0);
  return {
    blocked,
    next() {
      let r = Math.random() * total;
      for (const [w, make] of kinds) if ((r -= w) < 0) return make();
      return kinds[0]![1]();
    },
  };
}
