/**
 * Whether text still holds, raw, a character a reader cannot see: one `showInvisible` would have written as an escape.
 * The checks of log lines and problems use src/show-invisible.ts's own definition, so that they cannot drift from it:
 * the copies of it the tests kept were narrower (no Hangul fillers; some no private-use or unassigned code points).
 */
import { showInvisible } from '../../src/show-invisible.js';

export function holdsInvisible(text: string): boolean {
  return showInvisible(text) !== text;
}
