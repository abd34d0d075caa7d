/**
 * Node module hooks for the signal tests: when the module named by CHUT_SLOW_MODULE (a path suffix) is about to load,
 * writes the file CHUT_SLOW_MARKER and holds the load for CHUT_SLOW_MS, so that a test can send a signal while chut's
 * modules are still loading. Registered with `node --import tests/helpers/slow-load.mjs`.
 */
import { writeFileSync } from 'node:fs';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';

export async function load(url, context, nextLoad) {
  const suffix = process.env.CHUT_SLOW_MODULE;
  if (suffix && url.endsWith(suffix)) {
    writeFileSync(process.env.CHUT_SLOW_MARKER ?? '', url);
    await sleep(Number(process.env.CHUT_SLOW_MS ?? 2000));
  }
  return nextLoad(url, context);
}
