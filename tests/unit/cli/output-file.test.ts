/** --output files: a failure of what is being written (Redis gone in the middle of an export) is not a write failure. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openOutputFile } from '../../../src/cli/output-file.js';

const dir = mkdtempSync(join(tmpdir(), 'chut-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openOutputFile', () => {
  it('passes on the error of the content\'s source as it is (not "cannot write FILE"), and leaves the old file whole', async () => {
    const path = join(dir, 'export.csv');
    writeFileSync(path, 'old export\n');
    const file = await openOutputFile(path);
    async function* lines(): AsyncGenerator<string> {
      yield 'list,kind,entry\n';
      throw new Error('Connection is closed.');
    }
    await expect(file.write(lines())).rejects.toThrow(/^Connection is closed\.$/);
    expect(readFileSync(path, 'utf8')).toBe('old export\n');
  });
});
