import { describe, expect, it } from 'vitest';
import { allowFromEntryProblem, allowsOnlyLoopback, isLoopbackHost, LOOPBACK_ALLOW_FROM, peerAllowList } from '../../src/peer-allow-list.js';

describe('peerAllowList (esl.allowFrom)', () => {
  it('allows loopback only by default, IPv4 and IPv6, a v4 client of a dual-stack listener (::ffff:127.0.0.1) included', () => {
    const allowed = peerAllowList(LOOPBACK_ALLOW_FROM);
    for (const a of ['127.0.0.1', '127.4.5.6', '::1', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1']) expect(allowed(a), a).toBe(true);
    for (const a of ['10.0.0.5', '192.168.1.20', '::ffff:10.0.0.5', '::2', 'fe80::1', '0.0.0.0', '::']) expect(allowed(a), a).toBe(false);
  });

  it('matches addresses and CIDR ranges, an IPv4 range matching its IPv4-mapped IPv6 peers and the reverse', () => {
    const allowed = peerAllowList(['10.0.0.0/8', '192.168.1.20', 'fd00::/8', '::ffff:172.16.0.0/108', '2001:db8::7']);
    for (const a of ['10.0.0.5', '10.255.255.255', '::ffff:10.0.0.5', '::FFFF:10.1.2.3', '192.168.1.20', '::ffff:192.168.1.20', 'fd12:3456::1',
      '172.16.9.9', '::ffff:172.16.0.1', '2001:db8::7', '2001:0db8:0000::0007']) expect(allowed(a), a).toBe(true);
    for (const a of ['11.0.0.1', '::ffff:11.0.0.1', '192.168.1.21', 'fe00::1', '172.32.0.1', '2001:db8::8', '127.0.0.1', '::1']) expect(allowed(a), a).toBe(false);
  });

  it('takes a range written with host bits set as its network (192.168.1.10/24 is 192.168.1.0/24); /0 allows everyone', () => {
    expect(peerAllowList(['192.168.1.10/24'])('192.168.1.99')).toBe(true);
    expect(peerAllowList(['0.0.0.0/0'])('203.0.113.9')).toBe(true);
    expect(peerAllowList(['0.0.0.0/0'])('::ffff:203.0.113.9')).toBe(true);
  });

  it('matches a link-local peer whatever its interface (fe80::1%eth0); refuses a missing or non-IP address', () => {
    const allowed = peerAllowList(['fe80::/10']);
    expect(allowed('fe80::1%eth0')).toBe(true);
    expect(allowed(undefined)).toBe(false);
    expect(allowed('')).toBe(false);
    expect(allowed('localhost')).toBe(false);
  });
});

describe('allowFromEntryProblem', () => {
  it('accepts IP addresses and CIDR ranges', () => {
    for (const e of ['127.0.0.0/8', '::1', '10.0.0.5', '10.0.0.0/8', '0.0.0.0/0', 'fd00::/8', '::/0', '::ffff:10.0.0.0/104', '2001:db8::/32']) {
      expect(allowFromEntryProblem(e), e).toBeNull();
    }
  });

  it('says what is wrong with anything else, quoting the entry', () => {
    expect(allowFromEntryProblem('pbx.lan')).toBe('"pbx.lan" is not an IP address or a CIDR range: write e.g. 192.168.1.20, 10.0.0.0/8, fd00::/8 (host names are not looked up)');
    for (const e of ['', '10.0.0', '[::1]', ' 10.0.0.1', '10.0.0.1:5060', '010.0.0.1']) expect(allowFromEntryProblem(e), e).toMatch(/is not an IP address or a CIDR range/);
    expect(allowFromEntryProblem('10.0.0.0/33')).toBe('"10.0.0.0/33": the prefix length after / must be a number from 0 to 32');
    expect(allowFromEntryProblem('fd00::/129')).toBe('"fd00::/129": the prefix length after / must be a number from 0 to 128');
    for (const e of ['10.0.0.0/', '10.0.0.0/x', '10.0.0.0/-1', '10.0.0.0/ 8', '10.0.0.0/8.5', '10.0.0.0/8/8']) expect(allowFromEntryProblem(e), e).toMatch(/prefix length after \/ must be a number/);
    expect(allowFromEntryProblem('fe80::1%eth0')).toMatch(/without its zone \(%eth0\)/);
    // the IPv6 range ::/8 (loopback ::1 and all), never what was meant
    expect(allowFromEntryProblem('::ffff:10.0.0.0/8')).toMatch(/IPv4-mapped range counts its prefix in IPv6 bits \(96 to 128\): write the IPv4 range instead \(10\.0\.0\.0\/8\)/);
  });
});

describe('allowsOnlyLoopback and isLoopbackHost (the check-config warning)', () => {
  it('tells a list that admits only this machine from one that admits another host', () => {
    for (const l of [LOOPBACK_ALLOW_FROM, ['127.0.0.1'], ['::1'], ['127.0.0.0/8'], ['::ffff:127.0.0.1'], ['127.0.0.1', '::1']]) expect(allowsOnlyLoopback(l), l.join()).toBe(true);
    for (const l of [['127.0.0.0/8', '10.0.0.5'], ['0.0.0.0/0'], ['127.0.0.0/7'], ['::/0'], ['::/127'], ['172.17.0.1']]) expect(allowsOnlyLoopback(l), l.join()).toBe(false);
  });

  it('tells a loopback listen host from one other hosts reach', () => {
    for (const h of ['127.0.0.1', '127.0.1.1', '::1', 'localhost', 'LOCALHOST']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.5', 'pbx.lan', 'chut']) expect(isLoopbackHost(h), h).toBe(false);
  });
});
