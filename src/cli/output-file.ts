/**
 * Files a command writes (`--output`): a missing directory, a read-only disk or a full one is one clear line and
 * exit 73 (sysexits' "cannot create"), never Node's unhandled 'error' dump; and a streamed file replaces the old
 * one only once complete, so a failed export never leaves last week's backup truncated.
 */
import { createWriteStream } from 'node:fs';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CliError, EXIT } from './errors.js';

function cannotWrite(path: string, err: unknown): CliError {
  return new CliError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, EXIT.cantCreate);
}

export async function writeOutputFile(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (err) {
    throw cannotWrite(path, err);
  }
}

export interface OutputFile {
  /** Streams every line (with backpressure), then puts the file in place. */
  write(lines: AsyncIterable<string>): Promise<void>;
  /** After a failure: removes the temporary file, leaves `path` as it was. */
  discard(): Promise<void>;
}

/** Opens a temporary file beside `path` (a bad directory fails here, before any work). */
export async function openOutputFile(path: string): Promise<OutputFile> {
  const tmp = `${path}.${process.pid}.tmp`;
  const stream = createWriteStream(tmp, { flags: 'wx' });
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
  } catch (err) {
    throw cannotWrite(path, err);
  }
  return {
    async write(lines) {
      try {
        await pipeline(Readable.from(lines), stream);
      } catch (err) {
        if (stream.errored) throw cannotWrite(path, stream.errored);
        throw err;
      }
      await rename(tmp, path).catch((err: unknown) => { throw cannotWrite(path, err); });
    },
    async discard() {
      stream.destroy();
      await unlink(tmp).catch(() => undefined);
    },
  };
}
