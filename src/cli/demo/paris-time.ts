/** The demo prints its times in Paris time (its table's `time (Paris)` column): the instants in reasons too. */

const PARIS = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});

/** `2026-12-24 10:33`: the table's `HH:MM` in Paris, with its day, as a reason's instant is rarely on the demo day. */
export function parisTime(ms: number): string {
  const part = Object.fromEntries(PARIS.formatToParts(ms).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}`;
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
