/**
 * Configuration and policy files as `chut check-config` reads them: what an administrator's mistake in the file
 * itself (a second YAML document, a file far too large) looks like from the command line. Needs no Redis.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runChut } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'chut-cli-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const shippedPolicy = resolve('config/policy.yaml');
const env = { CHUT_STORE: 'memory' };

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('check-config and a file with a second YAML document (---)', () => {
  it('refuses a policy whose rules follow a ---, instead of passing it with 0 rules (every call would ring)', async () => {
    const policy = file('multipol.yaml', 'version: 1\nmode: enforce\ntimezone: Europe/Paris\ndefault: ring\n---\n# the rules\n' +
      'rules:\n  - name: blocklist\n    when: { list: block }\n    action: reject\n');
    const r = await runChut(['check-config', '--config', file('ok.yaml', `policy: ${shippedPolicy}\n`), '--policy', policy], env);
    expect(r.code).toBe(78);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`chut check-config: invalid policy ${policy}:\n  (yaml): not valid YAML at line 5, column 1: ` +
      'a second YAML document starts here (---): a file holds one document; remove the --- line\n');
  });

  it('refuses a config file whose ari section follows a ---, instead of running with no PBX adapter', async () => {
    const config = file('multi.yaml', `policy: ${shippedPolicy}\n---\nari:\n  enabled: true\n`);
    const r = await runChut(['check-config', '--config', config], env);
    expect(r.code).toBe(78);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`chut check-config: invalid configuration:\n  ${config}: not valid YAML at line 2, column 1: ` +
      'a second YAML document starts here (---): a file holds one document; remove the --- line\n');
  });
});
