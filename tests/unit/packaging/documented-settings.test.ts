/**
 * Every setting the documentation names by its path (`redis.url`, `esl.inbound.password`, `routes.voicemailMailbox`)
 * exists in chut's configuration schema (src/config.ts): the README, docs/, the comments of the shipped YAML files
 * and dialplan snippets, and each command's --help. A setting renamed, or one misspelt in a
 * sentence, would send a reader to a key chut refuses ("unknown key") or, worse, to nothing at all.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/dispatch.js';
import { optionPaths } from '../../helpers/config-paths.js';

vi.mock('../../../src/cli/closed-pipe.js', () => ({ stopQuietlyWhenReaderLeaves: () => undefined }));

// Not the modules' READMEs: they name code too (`screening.handleCall`), which reads like a setting.
const DOCUMENTS = [
  'README.md', 'docs/packaging.md', 'docs/redis-schema.md', 'config/chut.example.yaml', 'config/policy.yaml',
  ...readdirSync('dialplan', { recursive: true, withFileTypes: true }).filter((f) => f.isFile()).map((f) => `${f.parentPath}/${f.name}`),
];

const SETTINGS = new Set(optionPaths());
const SECTIONS = [...SETTINGS].filter((path) => !path.includes('.'));

/** `ari.conf`, `event_socket.conf.xml`: file names, not settings; `redis.call`/`redis.pcall`: the Lua scripts' API. */
const NOT_SETTINGS = /\.(conf|ya?ml|xml|json|csv|md|ts|js|service|env)$|^redis\.p?call$/;

/** `section.key…` paths in a text: a dotted name starting with a configuration section, not inside a file path, URL or
 * host name (`config/ari.conf`, `redis://redis.example.lan`), with a trailing sentence dot left out. */
function settingPaths(text: string): string[] {
  const dotted = new RegExp(`(?<![\\w./:@$-])((?:${SECTIONS.join('|')})(?:\\.[A-Za-z][A-Za-z0-9]*)+)(?![\\w/-])`, 'g');
  return [...text.matchAll(dotted)].map((m) => m[1] as string).filter((path) => !NOT_SETTINGS.test(path));
}

let out = '';
beforeEach(() => {
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => { out += String(chunk); return true; });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Each command's --help text, by command name. */
async function helpTexts(): Promise<Array<[string, string]>> {
  out = '';
  await main(['--help']);
  const names = (/\ncommands:\n([\s\S]*?)\n\n/.exec(out)?.[1] ?? '').split('\n').map((l) => l.trim().split(' ')[0] as string);
  const texts: Array<[string, string]> = [];
  for (const name of names) {
    out = '';
    await main([name, '--help']);
    texts.push([`chut ${name} --help`, out]);
  }
  return texts;
}

describe('the settings the documentation names', () => {
  it('all exist in the configuration schema', async () => {
    const named = [
      ...DOCUMENTS.map((path): [string, string] => [path, readFileSync(path, 'utf8')]),
      ...await helpTexts(),
    ].flatMap(([where, text]) => settingPaths(text).map((path) => ({ where, path })));
    expect(new Set(named.map((n) => n.path)).size, 'settings found').toBeGreaterThan(40);
    expect(named.filter((n) => !SETTINGS.has(n.path)).map((n) => `${n.where}: ${n.path}`)).toEqual([]);
  });

  it('are read as a reader would: paths in sentences and code spans, not file names, URLs or host names', () => {
    expect(settingPaths('set `routes.voicemailMailbox` (e.g. 100@default), then esl.inbound.password.')).toEqual(['routes.voicemailMailbox', 'esl.inbound.password']);
    expect(settingPaths('docker/asterisk/ari.conf, ari.conf, CHUT_REDIS_URL=redis://redis.example.lan:6379, redis.pcall')).toEqual([]);
    expect(settingPaths('`esl.listenHost: 0.0.0.0`, ari.user (chut)')).toEqual(['esl.listenHost', 'ari.user']);
  });
});
