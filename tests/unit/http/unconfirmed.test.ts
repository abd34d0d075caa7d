/** Which store failures the API answers `store-timeout` (the change may be applied) rather than `store-unavailable`. */
import { expect, it } from 'vitest';
import { unconfirmed } from '../../../src/http/context.js';
import { ImportUnconfirmedError } from '../../../src/reputation/index.js';

it('an import that may be partly applied (a block Redis did not confirm, or an undo that failed) is unconfirmed', () => {
  expect(unconfirmed(new ImportUnconfirmedError('the import failed part-way (Command timed out) and what it wrote could not be undone', false))).toBe(true);
  expect(unconfirmed(new ImportUnconfirmedError('import failed (Command timed out): what was confirmed is undone, but…', true))).toBe(true);
});

it('a command that timed out or whose connection dropped once sent is unconfirmed; a refusal is not', () => {
  expect(unconfirmed(new Error('Command timed out'))).toBe(true);
  expect(unconfirmed(Object.assign(new Error('Connection is closed.'), { name: 'AbortError' }))).toBe(true);
  expect(unconfirmed(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(false);
  expect(unconfirmed(Object.assign(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), { name: 'ReplyError' }))).toBe(false);
});
