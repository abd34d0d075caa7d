/**
 * config/chut.example.yaml is what users copy: it must validate, keep the defaults it claims, and mention
 * every option of the schema (active or in a commented example).
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { configSchema, loadConfig, parseConfig } from '../../../src/config.js';
import { unwrapSchema } from '../../../src/validation-issues.js';

const text = readFileSync('config/chut.example.yaml', 'utf8');

/** Dotted paths of every option in a zod (v4) schema, descending through defaults, nullables and unions. */
function optionPaths(schema: unknown, prefix = ''): string[] {
  // default, prefault, nullable, optional… all wrap the real type; a transform's options are those of its input.
  const def = (unwrapSchema(schema) as { _zod: { def: Record<string, unknown> } })._zod.def;
  switch (def.type) {
    case 'union':
      return [...new Set((def.options as unknown[]).flatMap((o) => optionPaths(o, prefix)))];
    case 'object': {
      const shape = def.shape as Record<string, unknown>;
      return Object.entries(shape).flatMap(([k, v]) => [`${prefix}${k}`, ...optionPaths(v, `${prefix}${k}.`)]);
    }
    default:
      return [];
  }
}

describe('config/chut.example.yaml', () => {
  it('validates with parseConfig and loadConfig', () => {
    expect(() => parseConfig(parseYaml(text))).not.toThrow();
    const loaded = loadConfig({ file: 'config/chut.example.yaml', env: {} });
    expect(loaded.policyPath.endsWith('config/policy.yaml')).toBe(true);
  });

  it('states the built-in defaults (copying it changes nothing)', () => {
    expect(parseConfig(parseYaml(text))).toEqual(parseConfig({}));
  });

  it('mentions every option of the schema', () => {
    const paths = optionPaths(configSchema);
    expect(paths.length).toBeGreaterThan(60);
    const keysInText = new Set([...text.matchAll(/([A-Za-z][A-Za-z0-9]*)\s*:/g)].map((m) => m[1]!));
    const missing = paths.filter((p) => !keysInText.has(p.split('.').at(-1)!));
    expect(missing).toEqual([]);
  });

  it('names every environment variable chut reads', async () => {
    const { ENV_VARS } = await import('../../../src/config.js');
    for (const name of ENV_VARS) expect(text).toContain(name);
  });
});
