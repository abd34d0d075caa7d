/**
 * Which peer addresses may connect to a listener chut runs for its PBX (`esl.allowFrom`): IP addresses and CIDR
 * ranges, IPv4 and IPv6. Matching is node:net's BlockList, which also matches an IPv4-mapped IPv6 peer
 * (`::ffff:10.0.0.5`, what a listener on `::` sees for an IPv4 client) against an IPv4 range, and the reverse. Pure.
 */
import { BlockList, isIP } from 'node:net';

/** What `esl.allowFrom` allows unless set: this machine only. */
export const LOOPBACK_ALLOW_FROM: readonly string[] = ['127.0.0.0/8', '::1'];

interface Entry {
  address: string;
  family: 'ipv4' | 'ipv6';
  prefix: number;
}

/** An entry (`10.0.0.5`, `10.0.0.0/8`, `fd00::/8`), or why it is none. */
function parseEntry(entry: string): Entry | { problem: string } {
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const version = isIP(address);
  if (version === 0) {
    return { problem: `"${entry}" is not an IP address or a CIDR range: write e.g. 192.168.1.20, 10.0.0.0/8, fd00::/8 (host names are not looked up)` };
  }
  if (address.includes('%')) {
    return { problem: `"${entry}": write it without its zone (%eth0): fe80::/10 matches a link-local peer on any interface` };
  }
  const max = version === 4 ? 32 : 128;
  if (slash < 0) return { address, family: version === 4 ? 'ipv4' : 'ipv6', prefix: max };
  const prefixText = entry.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!(prefix >= 0 && prefix <= max)) return { problem: `"${entry}": the prefix length after / must be a number from 0 to ${max}` };
  // ::ffff:10.0.0.0/8 is the IPv6 range ::/8 (loopback ::1 and all), not 10.0.0.0/8
  if (version === 6 && /^::ffff:/i.test(address) && prefix < 96) {
    return { problem: `"${entry}": an IPv4-mapped range counts its prefix in IPv6 bits (96 to 128): write the IPv4 range instead (10.0.0.0/8), which also matches ::ffff: peers` };
  }
  return { address, family: version === 4 ? 'ipv4' : 'ipv6', prefix };
}

/** Why `entry` cannot be an allowFrom entry, or null when it can. Never echoes more than the entry itself. */
export function allowFromEntryProblem(entry: string): string | null {
  const parsed = parseEntry(entry);
  return 'problem' in parsed ? parsed.problem : null;
}

function blockListOf(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const parsed = parseEntry(entry);
    if ('problem' in parsed) throw new Error(`allowFrom: ${parsed.problem}`); // config validation refused it first
    list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return list;
}

/** A peer's address as a socket gives it: `10.0.0.5`, `::ffff:10.0.0.5`, `fe80::1%eth0`. */
export type PeerCheck = (address: string | undefined) => boolean;

/** Whether a peer address is in `entries`. An address that is missing (the socket already gone) or not an IP is not. */
export function peerAllowList(entries: readonly string[]): PeerCheck {
  const list = blockListOf(entries);
  return (address) => {
    // a link-local peer carries its interface (fe80::1%eth0); ranges are written without one
    const bare = address?.replace(/%.*$/, '') ?? '';
    const version = isIP(bare);
    return version !== 0 && list.check(bare, version === 4 ? 'ipv4' : 'ipv6');
  };
}

const loopback = blockListOf(['127.0.0.0/8', '::1', '::ffff:127.0.0.0/104']);

/** Whether every address `entries` allow is this machine's (127.0.0.0/8, ::1): a peer on another host is refused. */
export function allowsOnlyLoopback(entries: readonly string[]): boolean {
  return entries.every((entry) => {
    const parsed = parseEntry(entry);
    if ('problem' in parsed) return false;
    // a range is loopback only when its first address is and it is no wider than the loopback range itself
    const widest = parsed.family === 'ipv4' ? 8 : parsed.address.toLowerCase().startsWith('::ffff:') ? 104 : 128;
    return parsed.prefix >= widest && loopback.check(parsed.address, parsed.family);
  });
}

/** Whether a peer address (as a socket gives it: IPv4, IPv6 or IPv4-mapped IPv6) is this machine's loopback. */
export const isLoopbackAddress: PeerCheck = peerAllowList(LOOPBACK_ALLOW_FROM);

/** Whether a listen host is this machine's loopback: only this machine can connect to it. */
export function isLoopbackHost(host: string): boolean {
  return host.toLowerCase() === 'localhost' || host.toLowerCase() === 'localhost.' || isLoopbackAddress(host);
}
