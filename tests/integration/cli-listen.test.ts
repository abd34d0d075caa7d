/**
 * `chut run`/`serve` that cannot listen where the configuration says: one line naming the setting to change and the
 * documented exit code (69: a port chut must listen on unavailable), never "unexpected error" and a stack trace.
 * No Redis: store memory.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runChut } from '../helpers/cli.js';

// Each test here runs the built CLI as a child process: Node start-up alone is a second or more per run on a loaded
// 2-vCPU CI box (cli-report-since's one run took 2.9 s there), and a test runs up to ten. The 30 s default was within
// reach; a real hang still fails, two minutes in.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const dir = mkdtempSync(join(tmpdir(), 'chut-cli-listen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** 192.0.2.0/24 is TEST-NET-1: no machine has it, so listening there fails with EADDRNOTAVAIL. */
const NOT_HERE = '192.0.2.1';

describe('chut serve/run and an address it cannot listen on', () => {
  it('serve on an address that is not this machine\'s names http.host (exit 69)', async () => {
    const r = await runChut(['serve'], { CHUT_STORE: 'memory', CHUT_HTTP_HOST: NOT_HERE, CHUT_HTTP_PORT: '8787' }, { timeoutMs: 20_000 });
    expect(r.code).toBe(69);
    expect(r.stderr).toBe(`chut serve: cannot listen on ${NOT_HERE}:8787: ${NOT_HERE} is not an address of this machine. Change http.host ` +
      '(CHUT_HTTP_HOST): 127.0.0.1, 0.0.0.0 (every interface) or one of this machine\'s addresses.\n');
  });

  it('serve on a link-local IPv6 address without its interface explains the %zone, not a stack trace (exit 69)', async () => {
    const r = await runChut(['serve'], { CHUT_STORE: 'memory', CHUT_HTTP_HOST: 'fe80::10', CHUT_HTTP_PORT: '8787' }, { timeoutMs: 20_000 });
    expect(r.code).toBe(69);
    expect(r.stderr).toMatch(/^chut serve: cannot listen on fe80::10:8787: the system refuses this address \(a link-local IPv6 address needs its interface, e\.g\. fe80::10%eth0\)\. Change http\.host \(CHUT_HTTP_HOST\): /);
    expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
  });

  it('serve on a host name that does not resolve names http.host (exit 69)', async () => {
    const r = await runChut(['serve'], { CHUT_STORE: 'memory', CHUT_HTTP_HOST: 'chut-no-such-host.invalid', CHUT_HTTP_PORT: '8787' }, { timeoutMs: 30_000 });
    expect(r.code).toBe(69);
    expect(r.stderr).toMatch(/^chut serve: cannot listen on chut-no-such-host\.invalid: the host name does not resolve to an address \((ENOTFOUND|EAI_AGAIN|EAI_FAIL)\)\. Change http\.host \(CHUT_HTTP_HOST\): /);
    expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
  });

  it('run with FreeSWITCH\'s outbound socket on an address that is not this machine\'s names esl.listenHost, not http.host (exit 69)', async () => {
    const config = join(dir, 'esl.yaml');
    writeFileSync(config, `policy: ${resolve('config/policy.yaml')}\nesl:\n  enabled: true\n  listenHost: ${NOT_HERE}\n  listenPort: 8084\nhttp:\n  port: 0\n`);
    const r = await runChut(['run', '--config', config], { CHUT_STORE: 'memory' }, { timeoutMs: 20_000 });
    expect(r.code).toBe(69);
    expect(r.stderr).toContain(`chut run: cannot listen on ${NOT_HERE}:8084: ${NOT_HERE} is not an address of this machine. Change esl.listenHost: 127.0.0.1, `);
    expect(r.stderr).not.toMatch(/http\.host|unexpected error|\n\s+at /);
  });

  it('check-config refuses a host given with its port (it would pass, then run would crash): exit 78', async () => {
    const r = await runChut(['check-config'], { CHUT_STORE: 'memory', CHUT_HTTP_HOST: 'localhost:8787' });
    expect(r.code).toBe(78);
    expect(r.stderr).toBe('chut check-config: invalid configuration:\n  http.host: must be a host name or an IP address, without a port ' +
      '(e.g. 127.0.0.1, 0.0.0.0, ::, pbx.lan): the port is set by http.port (from CHUT_HTTP_HOST)\n');
  });
});
