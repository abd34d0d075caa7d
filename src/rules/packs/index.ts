/**
 * The built-in packs, compiled once at module load. Platform numbers (fr-platforms) are wanted calls: no other
 * pack ever matches them, whatever its data says.
 */
import type { CallerNumber } from '../../phone/types.js';
import { compilePrefixes } from '../prefixes.js';
import { inWindow, makeWindow, type TimeWindow } from '../time-window.js';
import { parseClock, type ZonedTime } from '../zoned-time.js';
import { DE_SPOOFED } from './de-spoofed.js';
import { FR_LEGAL_HOURS } from './fr-legal-hours.js';
import { FR_NPV } from './fr-npv.js';
import { FR_PLATFORMS } from './fr-platforms.js';
import type { NumberPack, TimePack } from './types.js';

export type { NumberPack, TimePack } from './types.js';

export const NUMBER_PACKS: readonly NumberPack[] = [FR_NPV, FR_PLATFORMS, DE_SPOOFED];
export const TIME_PACKS: readonly TimePack[] = [FR_LEGAL_HOURS];
export const NUMBER_PACK_NAMES = NUMBER_PACKS.map((p) => p.name);
export const TIME_PACK_NAMES = TIME_PACKS.map((p) => p.name);

/** Says how the caller matched (`prefix +33162`, `digits 112`), or null. */
export type PackMatcher = (caller: CallerNumber) => string | null;

const isPlatform = compilePrefixes(FR_PLATFORMS.prefixes);

function compileNumberPack(pack: NumberPack): PackMatcher {
  const byPrefix = compilePrefixes(pack.prefixes);
  const exactDigits = new Set(pack.invalidDigits ?? []);
  const byDigits = compilePrefixes(pack.invalidDigitPrefixes ?? []);
  const guarded = pack.name !== FR_PLATFORMS.name;
  return (caller) => {
    if (caller.kind === 'valid') {
      if (guarded && isPlatform(caller.e164)) return null;
      const hit = byPrefix(caller.e164);
      return hit ? `prefix ${hit}` : null;
    }
    if (caller.kind === 'invalid' && caller.digits.length > 0) {
      if (exactDigits.has(caller.digits)) return `digits ${caller.digits}`;
      const hit = byDigits(caller.digits);
      if (hit) return `digits ${hit}…`;
      // a national number of the PBX's country in international form (DE 0900… → 49900…): a French PBX's
      // 0900… becomes 33900… and stays out of de-spoofed
      const national = caller.international !== undefined ? byDigits(caller.international) : null;
      return national ? `digits ${caller.digits} (${national}…)` : null;
    }
    return null;
  };
}

export const NUMBER_PACK_MATCHERS: ReadonlyMap<string, PackMatcher> = new Map(
  NUMBER_PACKS.map((p) => [p.name, compileNumberPack(p)]),
);

export interface CompiledTimePack {
  readonly name: string;
  readonly timezone: string;
  readonly windows: readonly TimeWindow[];
  inside(t: ZonedTime): boolean;
  /** The local date is a public holiday (outside the windows all day). */
  holiday(t: ZonedTime): boolean;
}

function compileTimePack(pack: TimePack): CompiledTimePack {
  const windows = pack.windows.map((w) => makeWindow(w.days, parseClock(w.from) ?? 0, parseClock(w.to) ?? 0));
  const holiday = (t: ZonedTime): boolean => pack.isHoliday?.(t.year, t.month, t.day) ?? false;
  return {
    name: pack.name,
    timezone: pack.timezone,
    windows,
    holiday,
    inside: (t) => !holiday(t) && windows.some((w) => inWindow(w, t)),
  };
}

export const TIME_PACK_MATCHERS: ReadonlyMap<string, CompiledTimePack> = new Map(
  TIME_PACKS.map((p) => [p.name, compileTimePack(p)]),
);
