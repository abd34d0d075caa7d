/**
 * The demo's scripted day at a French home: known contacts, telemarketers on the ARCEP prefixes inside and
 * outside legal hours, withheld callers, a burst from one number block, robots that never pass the captcha,
 * people who pass it and call again. Times are Europe/Paris on the latest working Tuesday before today (demoDay).
 */
import { isFrenchPublicHoliday } from '../../rules/packs/fr-holidays.js';
import type { CallerBehaviour } from '../../sim/types.js';
import { DAY_MS } from '../../time-units.js';

export interface DemoCall {
  /** `HH:MM` Paris time on the demo day. */
  at: string;
  label: string;
  callerNumber: string;
  callerName: string;
  behaviour: CallerBehaviour;
}

export interface DemoSeed {
  list: 'allow' | 'block';
  entry: string;
  reason: string;
}

export const DEMO_DID = '0100000000';

/** A calendar day in Paris and Paris's offset from UTC on it (hours). */
export interface DemoDay {
  y: number;
  m: number;
  d: number;
  offsetHours: number;
}

/** Paris's UTC offset at `ms`, in hours (1 in winter, 2 in summer). */
function parisOffsetHours(ms: number): number {
  const name = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', timeZoneName: 'shortOffset' })
    .formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT+1';
  const m = /GMT([+-]\d+)/.exec(name);
  return m ? Number(m[1]) : 0;
}

/**
 * The day the demo replays: the latest Tuesday before `now` (Paris) that is not a French public holiday. A working
 * weekday, so the legal-hours rules give the same routes every time; in the past (1 to 7 days back, up to 21 when
 * holidays fall on Tuesdays), so `chut report --since 30d` finds the demo's calls (a fixed date in the future was
 * invisible to every report).
 */
export function demoDay(now: number): DemoDay {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  let t = Date.parse(`${today}T12:00:00Z`) - DAY_MS;
  for (;;) {
    const d = new Date(t);
    if (d.getUTCDay() === 2 && !isFrenchPublicHoliday(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())) {
      return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate(), offsetHours: parisOffsetHours(t) };
    }
    t -= DAY_MS;
  }
}

export const DEMO_SEEDS: DemoSeed[] = [
  { list: 'allow', entry: '0612345678', reason: 'Maman' },
  { list: 'block', entry: '0899123456', reason: 'premium-rate scam callback' },
];

const person: CallerBehaviour = { kind: 'types-what-it-hears', delayMs: 150 };
const silentRobot: CallerBehaviour = { kind: 'silent' };

export const DEMO_CALLS: DemoCall[] = [
  { at: '10:30', label: 'known contact (allowlist)', callerNumber: '0612345678', callerName: 'Maman', behaviour: person },
  { at: '10:31', label: 'telemarketer, silent autodialer', callerNumber: '0162000000', callerName: 'ENERGIE PARTENAIRE', behaviour: silentRobot },
  { at: '10:32', label: 'robot blasting DTMF', callerNumber: '+33270000001', callerName: 'ISOLATION 1 EURO', behaviour: { kind: 'blasts-dtmf', digits: '1234#' } },
  { at: '10:33', label: 'real business on an NPV number', callerNumber: '0163000002', callerName: 'CABINET DURAND', behaviour: person },
  { at: '10:40', label: 'same business calls again', callerNumber: '0163000002', callerName: 'CABINET DURAND', behaviour: person },
  { at: '10:41', label: 'withheld number, a person', callerNumber: 'anonymous', callerName: '', behaviour: person },
  { at: '10:42', label: 'withheld number, hangs up', callerNumber: 'Restricted', callerName: '', behaviour: { kind: 'hangs-up', afterMs: 300 } },
  { at: '10:43', label: 'blocklisted number', callerNumber: '0899123456', callerName: 'GAGNANT', behaviour: silentRobot },
  { at: '10:44', label: 'delivery platform', callerNumber: '0937000000', callerName: 'LIVREUR', behaviour: person },
  { at: '10:50', label: 'burst from one block (1)', callerNumber: '0145678910', callerName: 'SONDAGE', behaviour: silentRobot },
  { at: '10:51', label: 'burst from one block (2)', callerNumber: '0145678911', callerName: 'SONDAGE', behaviour: silentRobot },
  { at: '10:51', label: 'burst from one block (3)', callerNumber: '0145678912', callerName: 'SONDAGE', behaviour: silentRobot },
  { at: '10:52', label: 'burst from one block (4)', callerNumber: '0145678913', callerName: 'SONDAGE', behaviour: silentRobot },
  { at: '10:52', label: 'burst from one block (5)', callerNumber: '0145678914', callerName: 'SONDAGE', behaviour: silentRobot },
  { at: '10:53', label: 'burst from one block (6)', callerNumber: '0145678915', callerName: 'SONDAGE', behaviour: silentRobot },
  { at: '11:05', label: 'unknown mobile, a person', callerNumber: '06 98 76 54 32', callerName: 'Dr Martin', behaviour: person },
  { at: '11:06', label: 'garbage caller ID', callerNumber: '12ab\r\nX', callerName: 'ROBOT', behaviour: silentRobot },
  { at: '21:30', label: 'telemarketer after legal hours', callerNumber: '0377000003', callerName: 'ENERGIE PARTENAIRE', behaviour: silentRobot },
];

/** Epoch ms of a demo `HH:MM` (Paris) on `day` (no daylight-saving change falls on a Tuesday). */
export function demoTime(hhmm: string, day: DemoDay): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return Date.UTC(day.y, day.m - 1, day.d) + ((h - day.offsetHours) * 60 + m) * 60_000;
}
