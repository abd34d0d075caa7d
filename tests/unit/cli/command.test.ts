/** A bad option on the command line is said as what to type, not in node's parseArgs wording. */
import { describe, expect, it } from 'vitest';
import { parse } from '../../../src/cli/command.js';
import { CliError, EXIT } from '../../../src/cli/errors.js';

function refused(argv: string[]): CliError {
  try {
    parse(argv, { reason: { type: 'string' }, expires: { type: 'string' }, output: { type: 'string', short: 'o' }, force: { type: 'boolean', short: 'f' } });
  } catch (err) {
    if (err instanceof CliError) return err;
    throw err;
  }
  throw new Error('the arguments were accepted');
}

describe('command-line options', () => {
  it('name the option meant by a typo, and where the options are listed (exit 2)', () => {
    const err = refused(['0612345678', '--expire', '30d']);
    expect([err.message, err.exitCode]).toEqual(['unknown option --expire (did you mean --expires?); see --help', EXIT.usage]);
    expect(refused(['--frobnicate']).message).toBe('unknown option --frobnicate; see --help');
    expect(refused(['-z']).message).toBe('unknown option -z; see --help');
  });

  it('say which option lacks its value', () => {
    expect(refused(['0612345678', '--reason']).message).toBe('--reason needs a value; see --help');
    expect(refused(['-o']).message).toBe('--output needs a value; see --help');
  });

  it('say that a flag takes no value, for one with a short form too (exit 2)', () => {
    const err = refused(['0612345678', '--force=yes']);
    expect([err.message, err.exitCode]).toEqual(['--force takes no value: write --force alone (or leave it out); see --help', EXIT.usage]);
    expect(refused(['--help=no']).message).toBe('--help takes no value: write --help alone (or leave it out); see --help');
  });
});
