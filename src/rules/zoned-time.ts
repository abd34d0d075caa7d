/**
 * Wall-clock time in an IANA time zone, via Intl.DateTimeFormat so daylight-saving changes are right without a
 * time-zone database of our own. Pure: the instant is always passed in.
 */

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

export interface ZonedTime {
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
  /** Minutes since local midnight, 0…1439. */
  minutes: number;
  year: number;
  month: number;
  day: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };
// Building a formatter costs far more than using one; time zones in a policy are few.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows `timeZone` (an IANA name such as `Europe/Paris`). */
export function isTimeZone(timeZone: string): boolean {
  if (timeZone.length === 0 || timeZone.length > 64) return false;
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * formatToParts costs microseconds; calls cluster in time, so the last answer per zone is kept for its minute
 * (no zone changes offset in the middle of a minute). A memo: results are the same with or without it.
 */
const lastByZone = new Map<string, { minute: number; time: ZonedTime }>();

export function zonedTime(now: Date, timeZone: string): ZonedTime {
  const minute = Math.floor(now.getTime() / 60_000);
  const last = lastByZone.get(timeZone);
  if (last && last.minute === minute) return last.time;
  const time = Object.freeze(computeZoned(now, timeZone));
  lastByZone.set(timeZone, { minute, time });
  return time;
}

function computeZoned(now: Date, timeZone: string): ZonedTime {
  const out: ZonedTime = { weekday: 0, minutes: 0, year: 0, month: 0, day: 0 };
  for (const part of formatter(timeZone).formatToParts(now)) {
    if (part.type === 'weekday') out.weekday = WEEKDAYS[part.value] ?? 0;
    else if (part.type === 'hour') out.minutes += Number(part.value) * 60;
    else if (part.type === 'minute') out.minutes += Number(part.value);
    else if (part.type === 'year') out.year = Number(part.value);
    else if (part.type === 'month') out.month = Number(part.value);
    else if (part.type === 'day') out.day = Number(part.value);
  }
  return out;
}

/** `Fri 19:59` */
export function describeZoned(t: ZonedTime): string {
  const day = DAYS[t.weekday] as string;
  return `${day[0]?.toUpperCase()}${day.slice(1)} ${formatClock(t.minutes)}`;
}

/** `HH:MM` (or `24:00`) → minutes, or null. */
export function parseClock(text: string): number | null {
  const m = /^([01][0-9]|2[0-4]):([0-5][0-9])$/.exec(text);
  if (!m) return null;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return minutes > 1440 ? null : minutes;
}

export function formatClock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
