/**
 * `chut export | head` and `chut report | less` stop reading early: the pipe closes and the next write fails with
 * EPIPE, which Node raises as an unhandled 'error' (a stack trace, exit 1). A command-line tool stops quietly
 * instead, as `cat` does. Other stream errors still surface.
 */
export function stopQuietlyWhenReaderLeaves(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}
