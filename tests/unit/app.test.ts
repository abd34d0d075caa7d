import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startChut } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createMemoryStore } from '../../src/reputation/index.js';
import { parsePolicy } from '../../src/rules/index.js';

async function startWith(opts: { pbx?: boolean; ari?: boolean }) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(chunk, _enc, cb) { lines.push(JSON.parse(String(chunk))); cb(); } });
  const config = parseConfig({ ari: { enabled: opts.ari ?? false, url: 'http://127.0.0.1:1', user: 'u', password: 'p' } });
  const chut = await startChut({
    config, policy: parsePolicy('version: 1\ndefault: ring\nrules: []\n', 'test'), logger: createLogger('info', sink as never),
    store: createMemoryStore(), http: false, pbx: opts.pbx,
  });
  await chut.stop();
  return lines.filter((l) => l.level === 40).map((l) => String(l.msg));
}

describe('starting chut', () => {
  it('warns when `chut run` has no PBX adapter enabled: it would screen nothing', async () => {
    const warnings = await startWith({});
    expect(warnings.some((m) => /no PBX adapter is enabled/.test(m) && m.includes('CHUT_ARI_ENABLED'))).toBe(true);
  });

  it('does not warn for `chut serve` (HTTP alone, by design) nor when an adapter is enabled', async () => {
    expect((await startWith({ pbx: false })).filter((m) => /no PBX adapter/.test(m))).toEqual([]);
    expect((await startWith({ ari: true })).filter((m) => /no PBX adapter/.test(m))).toEqual([]);
  });
});
