import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startChut } from '../../src/app.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createMemoryStore } from '../../src/reputation/index.js';
import { parsePolicy } from '../../src/rules/index.js';
import { freePort } from '../../src/sim/esl/index.js';

async function start(opts: { pbx?: boolean; ari?: boolean; esl?: boolean }) {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  const config = parseConfig({
    ari: { enabled: opts.ari ?? false, url: 'http://127.0.0.1:1', user: 'u', password: 'p' },
    esl: { enabled: opts.esl ?? false, listenHost: '127.0.0.1', listenPort: await freePort() },
  });
  const chut = await startChut({
    config, policy: parsePolicy('version: 1\ndefault: ring\nrules: []\n', 'test'), logger: createLogger('info', sink as never),
    store: createMemoryStore(), http: false, pbx: opts.pbx,
  });
  await chut.stop();
  return lines;
}

async function startWith(opts: { pbx?: boolean; ari?: boolean }): Promise<string[]> {
  const lines = (await start(opts)).map((l) => JSON.parse(l) as Record<string, unknown>);
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

  it('says where it looked for a Redis that does not answer, and which setting to check', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
    const chut = await startChut({
      config: parseConfig({ redis: { url: 'redis://127.0.0.1:1', connectTimeoutMs: 200 } }),
      policy: parsePolicy('version: 1\ndefault: ring\nrules: []\n', 'test'), logger: createLogger('info', sink as never), http: false, pbx: false,
    });
    await chut.stop();
    const warning = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => /^Redis is not answering yet/.test(String(l.msg)));
    expect(warning).toMatchObject({ redis: 'redis://127.0.0.1:1' });
    expect(warning?.msg).toMatch(/check redis\.url \(or CHUT_REDIS_URL\) and that Redis runs there$/);
  });

  it('binds each adapter\'s name to its log lines once (no duplicate JSON key)', async () => {
    const lines = await start({ esl: true });
    const ready = lines.find((l) => l.includes('ESL outbound listener ready'));
    expect(ready).toBeDefined();
    expect(ready?.match(/"adapter":/g)).toHaveLength(1);
    expect(JSON.parse(ready ?? '{}')).toMatchObject({ adapter: 'esl' });
  });
});

it('starts the call series of every enabled PBX and policy rule at zero on /metrics', async () => {
  const config = parseConfig({ esl: { enabled: true, listenHost: '127.0.0.1', listenPort: await freePort() } });
  const chut = await startChut({
    config, policy: parsePolicy('version: 1\ndefault: ring\nrules:\n  - name: robots\n    when: { caller: [withheld] }\n    action: captcha\n', 'test'),
    logger: createLogger('silent'), store: createMemoryStore(), http: false,
  });
  try {
    const text = await chut.metrics.render();
    for (const series of ['pbx="freeswitch",action="captcha",route="hung-up",rule="robots"', 'pbx="freeswitch",action="ring",route="ring",rule="default"', 'pbx="freeswitch",action="ring",route="ring",rule="fail-open"']) {
      expect(text).toContain(`chut_calls_total{${series}} 0`);
    }
    expect(text).not.toContain('pbx="asterisk-ari"'); // not enabled
  } finally {
    await chut.stop();
  }
});

it('starts the count of AMI calls left unscreened at the cap at zero on /metrics when AMI screens, and not when it only monitors', async () => {
  const series = 'chut_pbx_calls_unscreened_total{adapter="asterisk-ami",reason="max-calls"}';
  for (const mode of ['screen', 'both', 'monitor'] as const) {
    const config = parseConfig({ ami: { enabled: true, mode, host: '127.0.0.1', port: 1, user: 'u', password: 'p' } });
    const chut = await startChut({
      config, policy: parsePolicy('version: 1\ndefault: ring\nrules: []\n', 'test'),
      logger: createLogger('silent'), store: createMemoryStore(), http: false, pbx: false,
    });
    try {
      const text = await chut.metrics.render();
      if (mode === 'monitor') expect(text).not.toContain(series);
      else expect(text).toContain(`${series} 0`);
    } finally {
      await chut.stop();
    }
  }
});

it('starts the counts of ESL and ARI calls left unscreened at zero on /metrics, each only when its adapter is enabled', async () => {
  const series = {
    esl: ['chut_pbx_calls_unscreened_total{adapter="esl",reason="max-calls"}', 'chut_pbx_calls_unscreened_total{adapter="esl",reason="stopping"}'],
    ari: ['channel-id', 'unreadable', 'orphan'].map((reason) => `chut_pbx_calls_unscreened_total{adapter="asterisk-ari",reason="${reason}"}`),
  };
  for (const enabled of ['esl', 'ari'] as const) {
    const config = parseConfig({
      ari: { enabled: enabled === 'ari', url: 'http://127.0.0.1:1', user: 'u', password: 'p' },
      esl: { enabled: enabled === 'esl', listenHost: '127.0.0.1', listenPort: await freePort() },
    });
    const chut = await startChut({
      config, policy: parsePolicy('version: 1\ndefault: ring\nrules: []\n', 'test'),
      logger: createLogger('silent'), store: createMemoryStore(), http: false, pbx: false,
    });
    try {
      const text = await chut.metrics.render();
      for (const s of series[enabled]) expect(text).toContain(`${s} 0`);
      for (const s of series[enabled === 'esl' ? 'ari' : 'esl']) expect(text).not.toContain(s);
      expect(text).not.toContain('adapter="asterisk-ami"'); // not enabled
    } finally {
      await chut.stop();
    }
  }
});
