/**
 * French public holidays ("jours fériés", Code du travail art. L3133-1): eight fixed dates plus Easter Monday,
 * Ascension Thursday and Whit Monday. Regional extras (Good Friday and 26 December in Alsace-Moselle, the
 * overseas abolition days) are not included.
 */
import { DAY_MS } from '../../time-units.js';

/** month * 100 + day */
const FIXED = new Set([101, 501, 508, 714, 815, 1101, 1111, 1225]);

/** Easter Sunday (Gregorian), anonymous "Meeus/Jones/Butcher" algorithm: [month 1–12, day]. */
export function easterSunday(year: number): [number, number] {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return [month, day];
}

/** Offsets from Easter Sunday, in days: Easter Monday, Ascension, Whit Monday. */
const MOVABLE = [1, 39, 50];

/** Easter Sunday as UTC epoch ms, per year (a memo: the answer never changes). */
const easterCache = new Map<number, number>();

function easterUtc(year: number): number {
  let ms = easterCache.get(year);
  if (ms === undefined) {
    const [month, day] = easterSunday(year);
    ms = Date.UTC(year, month - 1, day);
    if (easterCache.size > 200) easterCache.clear();
    easterCache.set(year, ms);
  }
  return ms;
}

export function isFrenchPublicHoliday(year: number, month: number, day: number): boolean {
  if (FIXED.has(month * 100 + day)) return true;
  const easter = easterUtc(year);
  const date = Date.UTC(year, month - 1, day);
  return MOVABLE.includes(Math.round((date - easter) / DAY_MS));
}
