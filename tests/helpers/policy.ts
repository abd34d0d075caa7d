import type { SimulatedCall } from '../../src/sim/types.js';
import { parsePolicy, PolicyError } from '../../src/rules/index.js';

/** Routes by caller name, so each test picks its route without depending on the clock or on number packs. */
export const TEST_POLICY = `
version: 1
mode: enforce
timezone: Europe/Paris
default: ring
rules:
  - name: allowlist
    when: { list: allow }
    action: ring
  - name: blocklist
    when: { list: block }
    action: reject
  - name: trusted
    when: { trusted: true }
    action: ring
  - name: wants-captcha
    when: { name: { matches: ['CAPTCHA*'] } }
    action: captcha
  - name: wants-voicemail
    when: { name: { matches: ['VOICEMAIL*'] } }
    action: voicemail
  - name: wants-reject
    when: { name: { matches: ['REJECT*'] } }
    action: reject
`;

/** Lists and withheld callers only: what the HTTP and dashboard tests exercise. */
export const LIST_POLICY = `
version: 1
mode: enforce
timezone: Europe/Paris
default: ring
rules:
  - name: allowlisted
    action: ring
    when: { list: allow }
  - name: blocklisted
    action: reject
    when: { list: block }
  - name: withheld
    action: captcha
    when: { caller: [withheld] }
`;

/** A call for each route of TEST_POLICY, picked by its caller's name, with what the caller does and what the call
 * comes to (the route taken, the action decided). */
export const CALLS_BY_NAME: ReadonlyArray<{ name: string; behaviour: SimulatedCall['behaviour']; route: string; action: string }> = [
  { name: 'REJECT robot', behaviour: { kind: 'silent' }, route: 'reject', action: 'reject' },
  { name: 'Alice', behaviour: { kind: 'silent' }, route: 'ring', action: 'ring' },
  { name: 'VOICEMAIL please', behaviour: { kind: 'silent' }, route: 'voicemail', action: 'voicemail' },
  { name: 'CAPTCHA person', behaviour: { kind: 'types-what-it-hears' }, route: 'ring', action: 'captcha' },
];

/** The problems parsePolicy refuses `text` with; throws if it is accepted or fails in any other way. */
export function policyProblems(text: string, file = 'policy.yaml'): string[] {
  try {
    parsePolicy(text, file);
  } catch (err) {
    if (err instanceof PolicyError) return err.problems;
    throw err;
  }
  throw new Error('the policy was accepted');
}
