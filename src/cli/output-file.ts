/**
 * Files a command writes (`--output`): a missing directory, a read-only disk or a full one is one clear line and
 * exit 73 (sysexits' "cannot create"), never Node's unhandled 'error' dump; and a streamed file replaces the old
 * one only once complete, so a failed export never leaves last week's backup truncated. The replacement keeps the
 * old file's permissions and goes where a symlink points.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { chmod, readlink, realpath, rename, stat, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CliError, EXIT } from './errors.js';

/** Why a file cannot be written, in words, as import says why one cannot be read. The file is created new (a
 * temporary one beside it), so ENOENT is a missing directory (checked: /proc answers ENOENT too). */
const CANNOT_WRITE: Record<string, string> = {
  ENOENT: 'no such directory', ENOTDIR: 'a part of the path is not a directory', EISDIR: 'a directory',
  EACCES: 'permission denied', EPERM: 'permission denied', EROFS: 'read-only file system', ENOSPC: 'no space left on the disk',
  EDQUOT: 'disk quota exceeded', ELOOP: 'too many symbolic links', ENAMETOOLONG: 'file name too long',
};

function cannotWrite(path: string, err: unknown): CliError {
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' && existsSync(dirname(path)) ? undefined : code ? CANNOT_WRITE[code] : undefined;
  return new CliError(`cannot write ${path}: ${why ? `${why} (${code})` : code ?? String(err)}`, EXIT.cantCreate);
}

export interface OutputFile {
  /** Streams every line (with backpressure), or writes the text, then puts the file in place; when that fails,
   * discards the temporary file (`path` is left as it was) before throwing. */
  write(content: string | AsyncIterable<string>): Promise<void>;
  /** After a failure before the write: removes the temporary file, leaves `path` as it was. */
  discard(): Promise<void>;
}

/** Where to write: a symlink's target (renaming over the link would replace the link, not the file it names), its
 * kind, and an existing file's permissions (a 600 backup must not come back 644). */
async function target(path: string): Promise<{ real: string; regular: boolean; mode: number | undefined }> {
  // a dangling symlink names the file to create: write there, not over the link
  const real = await realpath(path).catch(async () => {
    const link = await readlink(path).catch(() => null);
    return link === null ? path : resolve(dirname(path), link);
  });
  const info = await stat(real).catch(() => null);
  return { real, regular: info === null || info.isFile(), mode: info?.isFile() ? info.mode & 0o7777 : undefined };
}

/**
 * Opens a temporary file beside the target (a bad directory fails here, before any work). A target that is not a
 * file (a FIFO, `>(gzip)`, a device) is written in place: it cannot be replaced, and renaming over it would swap
 * the pipe or the device node for a plain file.
 */
export async function openOutputFile(path: string): Promise<OutputFile> {
  const { real, regular, mode } = await target(path);
  const tmp = regular ? `${real}.${process.pid}.tmp` : null;
  const stream = createWriteStream(tmp ?? real, { flags: tmp ? 'wx' : 'w', ...(mode !== undefined ? { mode } : {}) }); // never wider than the old file, even briefly
  try {
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', reject);
    });
    if (tmp && mode !== undefined) await chmod(tmp, mode); // exactly the old mode, whatever the umask
  } catch (err) {
    throw cannotWrite(path, err);
  }
  const discard = async (): Promise<void> => {
    stream.destroy();
    if (tmp) await unlink(tmp).catch(() => undefined);
  };
  return {
    async write(content) {
      try {
        try {
          // a string is one chunk (Readable.from does not iterate its characters)
          await pipeline(Readable.from(content), stream);
        } catch (err) {
          // the file's own failure only: pipeline also marks the file stream with an error of the content's source
          // (Redis gone in the middle of an export), which is no write failure
          if (stream.errored && 'syscall' in stream.errored) throw cannotWrite(path, stream.errored);
          throw err;
        }
        if (tmp) await rename(tmp, real).catch((err: unknown) => { throw cannotWrite(path, err); });
      } catch (err) {
        await discard();
        throw err;
      }
    },
    discard,
  };
}
