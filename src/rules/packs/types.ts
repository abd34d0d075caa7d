/** Built-in rule packs are data: number prefixes, or weekly time windows. */

export interface NumberPack {
  readonly kind: 'numbers';
  readonly name: string;
  readonly description: string;
  /** E.164 prefixes (`+33162`). */
  readonly prefixes: readonly string[];
  /** Digit strings an *invalid* caller ID may carry that still identify the pack (exact match). */
  readonly invalidDigits?: readonly string[];
  /** Leading digits of an invalid caller ID that identify the pack. */
  readonly invalidDigitPrefixes?: readonly string[];
}

export interface TimePackWindow {
  readonly days: readonly string[];
  readonly from: string;
  readonly to: string;
}

export interface TimePack {
  readonly kind: 'time';
  readonly name: string;
  readonly description: string;
  readonly timezone: string;
  readonly windows: readonly TimePackWindow[];
  /** Local dates (month 1–12) that are outside the windows whatever the hour. */
  readonly isHoliday?: (year: number, month: number, day: number) => boolean;
}
