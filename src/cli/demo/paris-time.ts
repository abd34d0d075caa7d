/** The demo prints its times in Paris time (its table's `time (Paris)` column): the instants in reasons too. */
import { formatClock, zonedTime } from '../../rules/zoned-time.js';

/** `2026-12-24 10:33`: the table's `HH:MM` in Paris, with its day, as a reason's instant is rarely on the demo day. */
export function parisTime(ms: number): string {
  const t = zonedTime(new Date(ms), 'Europe/Paris');
  const two = (n: number) => String(n).padStart(2, '0');
  return `${t.year}-${two(t.month)}-${two(t.day)} ${formatClock(t.minutes)}`;
}

/** An instant as reasons write it (`trusted until 2026-12-24T09:33:00.000Z`). */
const ISO_INSTANT = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z\b/g;

/** `text` with every ISO instant in it written in Paris time. */
export function inParisTime(text: string): string {
  return text.replace(ISO_INSTANT, (iso) => {
    const ms = Date.parse(iso);
    return Number.isNaN(ms) ? iso : parisTime(ms);
  });
}
