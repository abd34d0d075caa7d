/**
 * Weekly time windows: `days` (names or ranges such as `mon-fri`), `from` inclusive, `to` exclusive. When `to`
 * is earlier than `from` the window runs past midnight into the next day: `fri 22:00–06:00` holds on Friday
 * from 22:00 and on Saturday until 06:00.
 */
import { DAYS, formatClock, type ZonedTime } from './zoned-time.js';

export interface TimeWindow {
  /** Indexed 0 = Monday … 6 = Sunday. */
  readonly days: readonly boolean[];
  readonly from: number;
  readonly to: number;
  /** `mon-fri 10:00–13:00`, for reasons. */
  readonly label: string;
}

const DAY_INDEX = new Map<string, number>(DAYS.map((d, i) => [d, i]));
const DAY_ITEM = /^(mon|tue|wed|thu|fri|sat|sun)(?:-(mon|tue|wed|thu|fri|sat|sun))?$/;

/** `mon`, `mon-fri`, `sat-sun`, wrapping ranges like `fri-mon` too. */
export function isDayItem(text: string): boolean {
  return DAY_ITEM.test(text);
}

export function parseDays(items: readonly string[] | undefined): boolean[] {
  if (!items) return DAYS.map(() => true);
  const days = DAYS.map(() => false);
  for (const item of items) {
    const m = DAY_ITEM.exec(item);
    if (!m) continue;
    const start = DAY_INDEX.get(m[1] as string) as number;
    const end = m[2] ? (DAY_INDEX.get(m[2]) as number) : start;
    for (let i = start; ; i = (i + 1) % 7) {
      days[i] = true;
      if (i === end) break;
    }
  }
  return days;
}

export function makeWindow(dayItems: readonly string[] | undefined, from: number, to: number): TimeWindow {
  const dayLabel = dayItems ? dayItems.join(',') : 'every day';
  return { days: parseDays(dayItems), from, to, label: `${dayLabel} ${formatClock(from)}–${formatClock(to)}` };
}

export function inWindow(w: TimeWindow, t: ZonedTime): boolean {
  if (w.from < w.to) return (w.days[t.weekday] ?? false) && t.minutes >= w.from && t.minutes < w.to;
  const yesterday = (t.weekday + 6) % 7;
  return ((w.days[t.weekday] ?? false) && t.minutes >= w.from) || ((w.days[yesterday] ?? false) && t.minutes < w.to);
}
