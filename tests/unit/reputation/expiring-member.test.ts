import { describe, expect, it } from 'vitest';
import { expiringMember, parseExpiringMember } from '../../../src/reputation/keys.js';
import { prunable } from '../../../src/reputation/records.js';

describe('members of the index of expiring entries', () => {
  it('name the entry as a user writes it, and read back to the same entry', () => {
    const cases = [
      { list: 'block' as const, entry: { kind: 'number' as const, e164: '+33612345678' }, member: 'block:+33612345678' },
      { list: 'allow' as const, entry: { kind: 'prefix' as const, prefix: '+33162' }, member: 'allow:+33162*' },
      { list: 'block' as const, entry: { kind: 'prefix' as const, prefix: '+0' }, member: 'block:+0*' },
    ];
    for (const { list, entry, member } of cases) {
      expect(expiringMember(list, entry)).toBe(member);
      expect(parseExpiringMember(member)).toEqual({ list, entry });
    }
  });

  it('read anything else (the index comes back from Redis) as nothing', () => {
    for (const junk of ['', 'block:', 'block:+', 'block:33612345678', 'deny:+33612345678', 'block:+0612345678', 'block:+33612345678**',
      'block:+1234567890123456', 'block:+33 612', 'block:+33612345678\n', 'BLOCK:+33612345678', `block:+${'1'.repeat(16)}*`]) {
      expect(parseExpiringMember(junk), JSON.stringify(junk)).toBeNull();
    }
  });
});

describe('prunable', () => {
  it('is an entry with an expiry at or before the cutoff', () => {
    expect([prunable(null, 1000), prunable(999, 1000), prunable(1000, 1000), prunable(1001, 1000)]).toEqual([false, true, true, false]);
  });
});
