/**
 * contrib/chut.service: runs `chut run` as an unprivileged user with the sandboxing systemd offers.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';

/** section → key → values; repeated keys (SystemCallFilter…) keep every value. */
function unit(text: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      section = head[1]!;
      continue;
    }
    const kv = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!kv) throw new Error(`not a unit-file line: ${line}`);
    ((out[section] ??= {})[kv[1]!] ??= []).push(kv[2]!);
  }
  return out;
}

const text = readFileSync('contrib/chut.service', 'utf8');
const u = unit(text);
const svc = u.Service!;
const one = (key: string): string | undefined => svc[key]?.at(-1);

describe('contrib/chut.service', () => {
  it('runs chut with the /etc/chut config, secrets from an optional environment file, restarted on failure', () => {
    expect(one('ExecStart')).toBe('/usr/bin/env chut run --config /etc/chut/chut.yaml');
    expect(one('EnvironmentFile')).toBe('-/etc/chut/chut.env');
    expect(one('Restart')).toBe('on-failure');
    expect(one('User')).toBe('chut');
    expect(u.Install?.WantedBy).toEqual(['multi-user.target']);
    expect(u.Unit?.After?.join(' ')).toContain('network-online.target');
  });

  it('has the hardening options on', () => {
    const yes = ['NoNewPrivileges', 'ProtectHome', 'PrivateTmp', 'PrivateDevices', 'ProtectKernelTunables',
      'ProtectKernelModules', 'ProtectKernelLogs', 'ProtectControlGroups', 'RestrictNamespaces', 'LockPersonality',
      'RestrictRealtime', 'RestrictSUIDSGID', 'ProtectClock', 'ProtectHostname'];
    for (const key of yes) expect(one(key), key).toBe('yes');
    expect(one('ProtectSystem')).toBe('strict');
    // AF_NETLINK: on 0.0.0.0 fastify reads the interfaces' addresses (os.networkInterfaces) after listen()
    expect(one('RestrictAddressFamilies')).toBe('AF_INET AF_INET6 AF_UNIX AF_NETLINK');
    expect(one('CapabilityBoundingSet')).toBe('');
    expect(svc.SystemCallFilter).toContain('@system-service');
    expect(one('SystemCallArchitectures')).toBe('native');
  });

  it('gives chut longer to stop than its own stop steps can take when all of them hang (PBX, MQTT, Redis: ~18 s)', () => {
    expect(one('TimeoutStopSec')).toBe('30s');
  });

  it('leaves MemoryDenyWriteExecute off (V8\'s JIT needs W+X memory) and says why', () => {
    expect(svc.MemoryDenyWriteExecute).toBeUndefined();
    expect(text).toMatch(/#.*JIT.*\n(#.*\n)*#MemoryDenyWriteExecute=yes/);
  });
});
