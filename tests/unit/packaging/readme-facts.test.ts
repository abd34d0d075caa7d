/**
 * The README's reference facts against the code's real values: the configuration table's defaults and bounds
 * (src/config.ts), its list of environment variables (ENV_VARS), its exit codes (EXIT) and its list of metrics
 * (GET /metrics). The README is written by
 * hand; these keep it from drifting when a default, a bound, a variable or an exit code changes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_VARS, parseConfig } from '../../../src/config.js';
import { EXIT } from '../../../src/cli/errors.js';
import { createMetrics } from '../../../src/http/metrics.js';

const readme = readFileSync('README.md', 'utf8');
const HOUR_MS = 3_600_000;

/** The rows of the table under "## Configuration" (section cell, key cell). */
function configRows(): Array<{ sections: string[]; keys: string }> {
  const start = readme.indexOf('| section | key (default) | meaning |');
  expect(start, 'the configuration table').toBeGreaterThan(0);
  const lines = readme.slice(start).split('\n').slice(2);
  const rows = lines.slice(0, lines.findIndex((l) => !l.startsWith('|')));
  return rows.map((row) => {
    const [, section = '', keys = ''] = row.split(/ \| |^\| /);
    return { sections: [...section.matchAll(/`([a-z]+)`/g)].map((m) => m[1]!), keys };
  });
}

/** `key` (default, …) pairs of a key cell, the parenthesis allowed one level of nested parentheses. */
function pairs(keys: string): Array<{ key: string; said: string }> {
  return [...keys.matchAll(/`([A-Za-z][A-Za-z.]*)` \(((?:[^()]|\([^()]*\))*)\)/g)].map((m) => ({ key: m[1]!, said: m[2]! }));
}

/** The default a parenthesis starts with: a `quoted` text or `[list]`, a number, `N h`, true, false or null; undefined when it
 * names the setting's parts instead (`sentinel` (`name`, `hosts`, …), `webhook` (its `timeoutMs`: …)). */
function saidDefault(said: string): { value: unknown } | undefined {
  if (/^`[A-Za-z]+`(, `[A-Za-z]+`)+$/.test(said) || said.startsWith('its ')) return undefined;
  const quoted = /^`([^`]*)`/.exec(said);
  // a list is written as YAML's flow form: `[127.0.0.0/8, ::1]`
  const list = quoted && /^\[(.*)\]$/.exec(quoted[1]!);
  if (list) return { value: list[1]!.split(/,\s*/) };
  if (quoted) return { value: quoted[1] };
  const head = said.split(/[,;:]/, 1)[0]!.trim();
  if (/^\d+$/.test(head)) return { value: Number(head) };
  if (/^\d+ h$/.test(head)) return { value: Number.parseInt(head, 10) * HOUR_MS };
  if (head === 'true' || head === 'false') return { value: head === 'true' };
  if (head === 'null') return { value: null };
  return undefined;
}

function at(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
}

function withValue(path: string, value: unknown): Record<string, unknown> {
  // ari.stirShakenReadMs is also bounded by ari.requestTimeoutMs: raised so its own bound is what is checked
  const raw: Record<string, unknown> = { ari: { requestTimeoutMs: 60_000 } };
  const keys = path.split('.');
  let node = raw;
  for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
  node[keys.at(-1)!] = value;
  return raw;
}

function accepted(path: string, value: number): boolean {
  try {
    parseConfig(withValue(path, value));
    return true;
  } catch (err) {
    if (err instanceof ConfigError) return false;
    throw err;
  }
}

describe('the README\'s configuration table', () => {
  const defaults = parseConfig({});
  const checked: string[] = [];
  const skipped: string[] = [];
  for (const { sections, keys } of configRows()) {
    for (const { key, said } of pairs(keys)) {
      for (const path of key.includes('.') ? [key] : sections.map((s) => `${s}.${key}`)) {
        const stated = saidDefault(said);
        if (stated === undefined) skipped.push(path);
        else checked.push(path);
        it(`states ${path}'s default and bounds as src/config.ts has them`, () => {
          if (stated !== undefined) expect(at(defaults, path), `${path} (${said})`).toEqual(stated.value);
          if (typeof at(defaults, path) !== 'number') return;
          const n = (text: string) => Number.parseInt(text, 10) * (/ h$/.test(text) ? HOUR_MS : 1);
          for (const m of said.matchAll(/at most (\d+(?: h)?)/g)) {
            expect(accepted(path, n(m[1]!)), `${path} at most ${m[1]}`).toBe(true);
            expect(accepted(path, n(m[1]!) + 1), `${path} above ${m[1]}`).toBe(false);
          }
          for (const m of said.matchAll(/(\d+) to (\d+)/g)) {
            const [lo, hi] = [Number(m[1]), Number(m[2])];
            expect([lo, hi].map((v) => accepted(path, v)), `${path} ${lo} to ${hi}`).toEqual([true, true]);
            expect([lo - 1, hi + 1].map((v) => accepted(path, v)), `${path} outside ${lo} to ${hi}`).toEqual([false, false]);
          }
        });
      }
    }
  }

  it('is read: most keys state a default, and only those that list sub-keys state none', () => {
    expect(checked.length).toBeGreaterThan(30);
    // `sentinel` (`name`, `hosts`, …), `webhook` (its `timeoutMs`: …) and `mqtt` (its `instance`: …) name their parts, not a default
    expect(skipped).toEqual(['redis.sentinel', 'notifications.webhook', 'notifications.mqtt']);
  });
});

describe('the README\'s environment variables and exit codes', () => {
  it('name exactly the variables chut reads', () => {
    const sentence = /Environment variables: ([\s\S]*?)\(switches take/.exec(readme)?.[1] ?? '';
    expect([...sentence.matchAll(/`(CHUT_[A-Z_]+)`/g)].map((m) => m[1]).sort()).toEqual([...ENV_VARS].sort());
  });

  it('list exactly the exit codes the CLI uses', () => {
    const section = /Exit codes:\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? '';
    const codes = [...section.matchAll(/(?:^- |; )(\d+) [A-Za-z]/gm)].map((m) => Number(m[1]));
    expect(codes.sort((a, b) => a - b)).toEqual(Object.values(EXIT).sort((a, b) => a - b));
  });
});

describe('the README\'s list of metrics (Operations, Grafana)', () => {
  it('names every metric chut defines, with the labels it gives', () => {
    const list = /\*\*Grafana\*\*:[^\n]*\(metrics:\n([\s\S]*?)\)\.\n/.exec(readme)?.[1] ?? '';
    const said = new Map([...list.matchAll(/`(chut_[a-z_]+)(?:\{([a-z,]+)\})?`/g)].map((m) => [m[1]!, m[2] ?? null]));
    // each metric object holds the labelNames it was made with, which prom-client's types leave out
    const metrics = (createMetrics().registry.getMetricsAsArray() as Array<{ name: string; labelNames?: readonly string[] }>)
      // Node's process metrics, which prom-client names (chut_process_…, chut_nodejs_…), are said as a family
      .filter((m) => !/^chut_(process|nodejs)_/.test(m.name));
    expect([...said.keys()].sort()).toEqual(metrics.map((m) => m.name).sort());
    for (const m of metrics) expect(said.get(m.name)?.split(',') ?? [], `${m.name}'s labels`).toEqual(m.labelNames ?? []);
  });
});
