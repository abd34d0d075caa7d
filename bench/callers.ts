/**
 * The caller IDs the core benchmark screens: French mobiles and geographic numbers, some on telemarketing prefixes,
 * so several rules are evaluated. About one in ten is not a valid number (070–072…), as in a robocall campaign that
 * spoofs random numbers; those need no Redis lookup at all.
 */
import type { InboundCall } from '../src/screening/types.js';

const KINDS = ['06', '07', '01', '0162', '04'];

/** A never-seen number: every call parses its caller ID afresh and creates its reputation keys. */
export function randomCaller(i: number, random: () => number = Math.random): string {
  const digits = String(Math.floor(random() * 1e9)).padStart(9, '0');
  return ((KINDS[i % KINDS.length] as string) + digits).slice(0, 10);
}

/**
 * Callers who called before: `size` numbers drawn like new callers (the same mix of kinds and of invalid numbers),
 * so the only difference between the two benchmark rows is that these were screened already.
 */
export function knownCallerPool(size: number, random: () => number = Math.random): (i: number) => string {
  const pool = Array.from({ length: size }, (_, i) => randomCaller(i, random));
  return (i) => pool[i % size] as string;
}

export function benchCall(i: number, caller: (i: number) => string = randomCaller): InboundCall {
  return { pbx: 'asterisk-ari', callId: `bench-${i}`, callerNumber: caller(i), callerName: 'BENCH', dialled: '0100000000', receivedAt: Date.now() };
}
