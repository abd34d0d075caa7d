import { describe, expect, it } from 'vitest';
import { DeadlineExceededError, withDeadline } from '../../../src/screening/deadline.js';

describe('withDeadline', () => {
  it('returns the result when the work is in time', async () => {
    await expect(withDeadline(Promise.resolve(42), 1000)).resolves.toBe(42);
  });

  it('rejects with DeadlineExceededError when the work is late, and swallows the late failure', async () => {
    let lateReject: (e: Error) => void = () => undefined;
    const late = new Promise<number>((_, reject) => { lateReject = reject; });
    await expect(withDeadline(late, 20)).rejects.toBeInstanceOf(DeadlineExceededError);
    lateReject(new Error('too late')); // must not surface as an unhandled rejection
    await new Promise((r) => setTimeout(r, 10));
  });

  it('passes the work’s own error through', async () => {
    await expect(withDeadline(Promise.reject(new Error('boom')), 1000)).rejects.toThrow('boom');
  });
});
