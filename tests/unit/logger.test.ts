import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, describeError, REDACTED_KEYS, withoutRedaction } from '../../src/logger.js';

function capture(): { lines: Array<Record<string, unknown>>; sink: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, sink: new Writable({ write(chunk, _e, done) { lines.push(JSON.parse(String(chunk))); done(); } }) };
}

describe('logger', () => {
  it('redacts every secret key at the top of a logged object and one or two levels down', () => {
    const { lines, sink } = capture();
    const log = createLogger('info', sink as never);
    for (const key of REDACTED_KEYS) {
      log.info({ [key]: 'top-s3cret', config: { [key]: 'nested-s3cret', deeper: { [key]: 'deep-s3cret' } } }, 'start');
    }
    expect(lines).toHaveLength(REDACTED_KEYS.length);
    expect(JSON.stringify(lines)).not.toMatch(/s3cret/);
    expect(lines[0]).toMatchObject({ password: '[redacted]', config: { password: '[redacted]', deeper: { password: '[redacted]' } } });
  });

  it('without redaction: same level, same bindings, the object as given', () => {
    const { lines, sink } = capture();
    const log = withoutRedaction(createLogger('info', sink as never));
    log.debug({ caller: '+33612345678' }, 'below the level');
    log.info({ caller: '+33612345678', route: 'ring' }, 'call ring (default)');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, service: 'chut', caller: '+33612345678', route: 'ring', msg: 'call ring (default)' });
  });

  it('describes a bug\'s error by its stack, else its message, and anything else thrown as text', () => {
    const err = new Error('boom');
    expect(describeError(err)).toBe(err.stack);
    expect(describeError(err)).toMatch(/^Error: boom\n\s+at /);
    const stackless = new Error('no stack');
    stackless.stack = undefined;
    expect(describeError(stackless)).toBe('no stack');
    expect(describeError('a string')).toBe('a string');
    expect(describeError(undefined)).toBe('undefined');
  });
});
