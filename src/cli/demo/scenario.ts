/**
 * The demo's scripted day at a French home: known contacts, telemarketers on the ARCEP prefixes inside and
 * outside legal hours, withheld callers, a burst from one number block, robots that never pass the captcha,
 * people who pass it and call again. Times are Europe/Paris on Tuesday 1 December 2026 (UTC+1).
 */
import type { CallerBehaviour } from '../../sim/types.js';

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

export const DEMO_DAY_UTC = '2026-12-01';
/** Paris is UTC+1 in December. */
export const PARIS_OFFSET_HOURS = 1;
export const DEMO_DID = '0100000000';

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

/** Epoch ms of a demo `HH:MM` (Paris). */
export function demoTime(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return Date.parse(`${DEMO_DAY_UTC}T00:00:00Z`) + ((h - PARIS_OFFSET_HOURS) * 60 + m) * 60_000;
}
