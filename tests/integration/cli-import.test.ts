/** `chut import` as a user meets it: what it takes, what it reports, where its messages go. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChut } from '../helpers/cli.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../helpers/redis.js';

let env: Record<string, string>;
let url: string;
const prefix = uniquePrefix('cli-import');
const dir = mkdtempSync(join(tmpdir(), 'chut-cli-import-'));

beforeAll(async () => {
  url = await testRedisUrl();
  env = { CHUT_REDIS_URL: url, CHUT_REDIS_PREFIX: prefix };
});
afterAll(async () => {
  await removeKeys(url, prefix);
});

const CHUT_HEADER = 'list,kind,entry,reason,source,added_at,expires_at';

describe('broad prefixes (3 digits or fewer)', () => {
  it('need --force, except in a restore (--format chut by name), as README and --help say', async () => {
    const backup = join(dir, 'backup-broad.csv');
    writeFileSync(backup, `${CHUT_HEADER}\nblock,prefix,+44,forced once,cli,1767225600000,\nblock,number,+33162990001,x,cli,1767225600000,\n`);
    const sniffed = await runChut(['import', backup, '--dry-run'], env);
    expect(sniffed.code, sniffed.stderr).toBe(0);
    expect(sniffed.stdout).toMatch(/would import 1 entries, skipped 1 \(1 prefix of 3 digits or fewer/);
    const restore = await runChut(['import', backup, '--format', 'chut', '--dry-run'], env);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/would import 2 entries, skipped 0/);
    const help = (await runChut(['import', '--help'], env)).stdout;
    expect(help).toMatch(/--force .*skipped otherwise,\s+except in a restore \(--format chut, given by name\)/);
    expect(readFileSync(join(process.cwd(), 'README.md'), 'utf8'))
      .toMatch(/need `--force`, in `block`\/`allow` and in `import` alike,\s+except in a restore \(`chut import --format chut`/);
  });
});
