/**
 * SIGHUP from the first instant. Node's default for SIGHUP ends the process, and loading chut's modules takes a moment
 * (about a second on a cold disk): a `kill -HUP` then, out of reload habit, would end a service that systemd does not
 * restart after a clean exit. The entry holds SIGHUP before loading anything; `chut run` takes the signal over
 * (run.ts), every other command gives it back its default. Only when no terminal is attached: at a terminal, SIGHUP
 * means the terminal closed, and Node's default stays.
 */

let held = 0;
let holder: (() => void) | null = null;

/** Keeps SIGHUP from ending the process until `release`, counting the ones that came. */
export function holdHangUps(): void {
  if (process.stderr.isTTY || holder) return;
  holder = () => { held++; };
  process.on('SIGHUP', holder);
}

/**
 * Stops holding SIGHUP; returns how many came meanwhile. With `keepDefault`, a SIGHUP that came is delivered again now
 * that nothing holds it, so the process ends as Node's default would have ended it.
 */
export function releaseHangUps(keepDefault: boolean): number {
  if (!holder) return 0;
  process.off('SIGHUP', holder);
  holder = null;
  const came = held;
  held = 0;
  if (keepDefault && came > 0 && process.listenerCount('SIGHUP') === 0) process.kill(process.pid, 'SIGHUP');
  return came;
}
