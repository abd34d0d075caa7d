/** What `chut import --help` says of --source is what the import does: an export's lines keep their own sources. */
import { describe, expect, it } from 'vitest';
import { importCommand } from '../../../src/cli/commands/transfer.js';
import { parseImport } from '../../../src/reputation/index.js';

/** `chut export` output: one line with its source, one whose source was emptied by hand. */
const EXPORTED = 'list,kind,entry,reason,source,added_at,expires_at\n' +
  'block,number,+33612345679,robot,import:csv,2026-11-30T00:00:00.000Z,\n' +
  'block,number,+33612345670,robot,,2026-11-30T00:00:00.000Z,\n';

describe('chut import --source', () => {
  it('is said to fill in only the empty sources of a chut file, as the import does (a restore keeps who added what)', () => {
    const { records } = parseImport(EXPORTED, { format: 'auto', list: 'block', source: 'mine', defaultCountry: 'FR', now: Date.UTC(2026, 11, 1) });
    expect(records.map((r) => r.source)).toEqual(['import:csv', 'mine']);
    const option = (/\n {2}--source NAME([\s\S]*?)\n {2}--/.exec(importCommand.help)?.[1] ?? '').replace(/\s+/g, ' ');
    expect(option).toContain('a chut file\'s lines keep their own source: NAME only fills in an empty one');
  });
});
