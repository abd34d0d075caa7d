/** Reads the annotated FreeSWITCH transcripts (tests/fixtures/freeswitch/*.txt) with the README's marker format. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DIR = join(import.meta.dirname, '../../fixtures/freeswitch');

/** The S->C records of the matching annotated transcript, read with the README's marker format. */
export function transcriptRecords(rawName: string): Buffer[] {
  const txt = readFileSync(join(DIR, rawName.replace(/\.s2c\.raw$/, '.txt')));
  const records: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const at = txt.indexOf('\n<<< S->C ', pos);
    const atC = txt.indexOf('\n>>> C->S ', pos);
    const next = [at, atC].filter((i) => i >= 0).sort((a, b) => a - b)[0];
    if (next === undefined) break;
    const lineEnd = txt.indexOf('\n', next + 1);
    const bytes = Number(/(\d+) bytes/.exec(txt.subarray(next + 1, lineEnd).toString())?.[1]);
    if (next === at) records.push(txt.subarray(lineEnd + 1, lineEnd + 1 + bytes));
    pos = lineEnd + 1 + bytes;
  }
  return records;
}

