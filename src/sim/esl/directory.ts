/**
 * The simulated FreeSWITCH's user directory (conf/directory): the users `user_exists` and mod_voicemail find; and
 * the `api` commands the outbound socket answers (`uuid_getvar`, `user_exists`, `module_exists`, `vm_boxcount`,
 * `find_user_xml`, `user_data`).
 * FreeSWITCH looks a user up by one attribute at a time (`user_exists id …`, `user_exists number-alias …`);
 * mod_voicemail tries `id` then `number-alias`.
 */

export interface DirectoryUser {
  id: string;
  /** The `number-alias` attribute (e.g. the DID routed to this user). */
  numberAlias?: string;
  /** The `vm-enabled` param; absent means enabled, as in mod_voicemail. */
  vmEnabled?: boolean;
}

/** The voicemail profiles mod_voicemail has (voicemail.conf.xml ships `default`). */
export const SIM_VOICEMAIL_PROFILES: readonly string[] = ['default'];

/** The directory domain of every simulated channel (`domain_name`). */
export const SIM_DOMAIN = '192.0.2.2';

/** Stock-like: users 1000–1019; 1000 also answers to the demo's DID (+33 1 00 00 00 00), as an installation that
 * routes its DID to user 1000 sets `number-alias` for it. */
export const DEFAULT_DIRECTORY: readonly DirectoryUser[] = Array.from({ length: 20 }, (_, i) => (
  i === 0 ? { id: '1000', numberAlias: '+33100000000' } : { id: String(1000 + i) }));

export type LookupKey = 'id' | 'number-alias';

export function findUser(directory: readonly DirectoryUser[], keys: readonly LookupKey[], user: string, domain: string): DirectoryUser | undefined {
  if (domain !== SIM_DOMAIN || user === '') return undefined;
  for (const key of keys) {
    const found = directory.find((u) => (key === 'id' ? u.id : u.numberAlias) === user);
    if (found) return found;
  }
  return undefined;
}

/** `user_exists <key> <user> <domain>` as mod_commands answers it: `true` or `false`, without a newline (also
 * `false` for missing arguments or a key no user carries). */
export function userExistsReply(directory: readonly DirectoryUser[], args: readonly string[]): string {
  const [key, user = '', domain = ''] = args;
  if (key !== 'id' && key !== 'number-alias') return 'false';
  return findUser(directory, [key], user, domain) ? 'true' : 'false';
}

/** The modules of a stock FreeSWITCH that chut's commands and applications need (less the faults' unloaded ones). */
export const LOADED_MODULES: readonly string[] = ['mod_commands', 'mod_dptools', 'mod_event_socket', 'mod_sndfile', 'mod_voicemail', 'mod_say_en'];

/** The module an application comes from, for the applications chut runs that a stock build may lack. */
export const APP_MODULES: Readonly<Record<string, string>> = { voicemail: 'mod_voicemail' };

export function moduleLoaded(module: string, unloaded: readonly string[]): boolean {
  return LOADED_MODULES.includes(module) && !unloaded.includes(module);
}

/** The `api` commands the simulated outbound socket answers (the body of the `api/response`), for one channel. */
export function apiReply(command: string, channel: {
  uuid: string; vars: Record<string, string>; env: { directory: readonly DirectoryUser[]; faults: { unloadedModules: readonly string[] } };
}): string {
  const [cmd = '', ...args] = command.trim().split(/\s+/);
  if (cmd === 'uuid_getvar') {
    const [uuid, variable] = args;
    if (uuid !== channel.uuid) return '-ERR No such channel!\n';
    return (variable === undefined ? undefined : channel.vars[variable]) ?? '_undef_';
  }
  if (cmd === 'user_exists') return userExistsReply(channel.env.directory, args);
  if (cmd === 'vm_boxcount') return boxcountReply(args[0] ?? '');
  if (cmd === 'find_user_xml') return findUserXmlReply(channel.env.directory, args);
  if (cmd === 'user_data') return userDataReply(channel.env.directory, args);
  // mod_commands: `true` or `false`, no newline; nothing at all without an argument
  if (cmd === 'module_exists') return args[0] === undefined ? '' : String(moduleLoaded(args[0], channel.env.faults.unloadedModules));
  return `-ERR ${cmd} Command not found!\n`;
}

/** mod_voicemail's `vm_boxcount [profile/]<user>@<domain>`: the new-message count (none here), or the missing profile. */
function boxcountReply(arg: string): string {
  const slash = arg.indexOf('/');
  if (slash !== -1 && !SIM_VOICEMAIL_PROFILES.includes(arg.slice(0, slash))) return '-ERR No such profile\n';
  return '0';
}

/** mod_commands' `find_user_xml <key> <user> <domain>`: the user element, or an error line. */
function findUserXmlReply(directory: readonly DirectoryUser[], args: readonly string[]): string {
  const [key, user = '', domain = ''] = args;
  const found = key === 'id' || key === 'number-alias' ? findUser(directory, [key], user, domain) : undefined;
  if (!found) return "-Error can't find user\n";
  const alias = found.numberAlias !== undefined ? ` number-alias="${found.numberAlias}"` : '';
  const params = found.vmEnabled === false ? '\n  <params>\n    <param name="vm-enabled" value="false"/>\n  </params>\n' : '';
  return `<user id="${found.id}"${alias}>${params}</user>`;
}

/** mod_commands' `user_data <id>@<domain> param <name>`: the value, or nothing (unknown user, unset param). */
function userDataReply(directory: readonly DirectoryUser[], args: readonly string[]): string {
  const [account = '', type, key] = args;
  const at = account.indexOf('@');
  const found = at > 0 ? findUser(directory, ['id'], account.slice(0, at), account.slice(at + 1)) : undefined;
  return found && type === 'param' && key === 'vm-enabled' && found.vmEnabled === false ? 'false' : '';
}
