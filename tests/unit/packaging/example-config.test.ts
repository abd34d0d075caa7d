/**
 * config/chut.example.yaml is what users copy: it must validate, keep the defaults it claims, and mention
 * every option of the schema (active or in a commented example).
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { configSchema, loadConfig, parseConfig } from '../../../src/config.js';
import { optionPaths } from '../../helpers/config-paths.js';

const text = readFileSync('config/chut.example.yaml', 'utf8');

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
