/**
 * ARI settings that validate but can never work, said by `chut check-config` and logged by `chut run` at start.
 * Asterisk's res_ari refuses a user whose ari.conf password is empty ("missing password; authentication failed",
 * res/ari/config.c), so `ari.enabled` with the default empty `ari.password` only ever gets 401s: a configuration
 * copied from the example with ARI switched on and the password left for later.
 */
import type { Config } from '../config.js';

export function ariConfigWarnings(config: Readonly<Config>): string[] {
  if (!config.ari.enabled || config.ari.password !== '') return [];
  return ['ari.enabled and ari.password is empty: Asterisk refuses every ARI user without a password (res_ari: "missing ' +
    'password; authentication failed"), so chut cannot connect. Set ari.password, or CHUT_ARI_PASSWORD, to the password ' +
    `of the ari.conf user ari.user (${config.ari.user})`];
}
