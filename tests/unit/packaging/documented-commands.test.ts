/**
 * Every `chut …` command line the README, docs/packaging.md, docs/redis-schema.md, the shipped YAML files and the
 * modules' READMEs (src/<module>/README.md) quote goes through chut's own command line (src/cli/dispatch.ts: the
 * command, its options, whether each takes a value), with --help added: the command stops there, once its options are read, and runs nothing. A command renamed, an
 * option renamed or misspelt, a flag shown with a value: a reader copying the line would get a usage error (exit 2),
 * and so does this test. Values are not judged (`--since WHEN` is a placeholder), nor the number of arguments.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/dispatch.js';

// each command run adds a listener for the reader leaving standard output: in one test process, dozens of them
vi.mock('../../../src/cli/closed-pipe.js', () => ({ stopQuietlyWhenReaderLeaves: () => undefined }));

const DOCUMENTS = [
  'README.md', 'docs/packaging.md', 'docs/redis-schema.md', 'config/chut.example.yaml', 'config/policy.yaml',
  ...readdirSync('src', { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(`src/${d.name}/README.md`)).map((d) => `src/${d.name}/README.md`),
];

/** `A=1 B=2 chut …`: the variables a line sets for the command. */
const ENV_ASSIGNMENTS = /^(?:[A-Z_][A-Z0-9_]*=\S*\s+)*/;

/** What follows `chut` (or the CLI's script, or the image's entry point) in a shell line; null when it runs no chut command. */
function chutArguments(line: string): string | null {
  const script = /(?:^|\s)node dist\/src\/cli\/main\.js\s+(.*)$/.exec(line);
  if (script) return script[1] as string;
  // the image's entry point is the CLI: `docker run --rm chut demo` (flags that take no value only: `--name chut` is no image)
  const image = /^docker run (?:(?:--rm|--init|-it|-i|-t) )*chut\s+(.*)$/.exec(line);
  if (image) return image[1] as string;
  const command = /^chut\s+(?=[a-z-])(.*)$/.exec(line.replace(ENV_ASSIGNMENTS, ''));
  return command ? (command[1] as string) : null;
}

/**
 * Shell words, quotes removed, up to a comment or the end of the command (`&&`, `;`, `|`, a redirection). Usage
 * notation is read as a reader would fill it in: `[--since WHEN]` as `--since WHEN`, `text|json` as its first choice,
 * `…` (words left out) as nothing.
 */
function shellWords(text: string): string[] {
  const words: string[] = [];
  for (const m of text.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) {
    if (m[3] === undefined) {
      words.push(m[1] ?? m[2] ?? '');
      continue;
    }
    const bare = m[3];
    if (bare.startsWith('#') || ['&&', ';', '|', '||', '>', '2>', '<'].includes(bare)) break;
    const filled = (bare.split('|')[0] as string).replace(/[[\]]/g, '');
    if (filled !== '' && filled !== '…' && filled !== '...') words.push(filled);
  }
  return words;
}

interface Quoted { where: string; line: string; argv: string[] }

/** The command lines of a document: in its shell blocks (continued lines joined) and in its code spans. */
function quotedCommands(path: string): Quoted[] {
  const text = readFileSync(path, 'utf8');
  const found: Quoted[] = [];
  const take = (line: string, where: string) => {
    const args = chutArguments(line.trim());
    if (args !== null) found.push({ where, line: line.trim(), argv: shellWords(args) });
  };
  const blocks = [...text.matchAll(/^```(?:sh|bash)\n([\s\S]*?)^```/gm)];
  for (const block of blocks) {
    const start = text.slice(0, block.index).split('\n').length;
    (block[1] as string).replace(/\\\n\s*/g, ' ').split('\n').forEach((line, i) => take(line, `${path}:${start + i + 1}`));
  }
  const outside = blocks.reduce((t, b) => t.replace(b[0], (m) => m.replace(/[^\n]/g, ' ')), text);
  outside.split('\n').forEach((line, i) => {
    for (const span of line.matchAll(/`([^`]+)`/g)) take(span[1] as string, `${path}:${i + 1}`);
  });
  return found;
}

let out = '';
let err = '';
beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => { out += String(chunk); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => { err += String(chunk); return true; });
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** What `chut ARGV… --help` does: its exit code, and the usage line it printed. */
async function help(argv: string[]): Promise<{ code: number; usage: string; err: string }> {
  out = '';
  err = '';
  const code = await main([...argv, '--help']);
  return { code, usage: out.split('\n', 1)[0] ?? '', err: err.trim() };
}

describe('the chut command lines the documentation quotes', () => {
  const quoted = DOCUMENTS.flatMap(quotedCommands);

  it('are found: the README\'s everyday commands, the install steps and the code spans', () => {
    const lines = quoted.map((q) => q.line);
    expect(lines).toContain('chut block \'0162*\' --reason NPV     # a prefix (quoted: the shell must not expand it); numbers in any form: 0612345678, +33612345678, 0033612345678');
    expect(lines).toContain('node dist/src/cli/main.js check-config           # or `npm link` once and use `chut check-config`');
    expect(lines).toContain('chut prune [--older-than 7d] [--dry-run] [--scan]');
    expect(lines).toContain('docker compose exec chut node dist/src/cli/main.js lookup +33162000001');
    expect(lines).toContain('docker run --rm chut check-config');
    expect(lines).toContain('chut check-config --config config/chut.yaml');
    expect(quoted.find((q) => q.line.startsWith('chut block \'0162*\''))?.argv).toEqual(['block', '0162*', '--reason', 'NPV']);
    expect(quoted.length).toBeGreaterThan(60);
  });

  it('each name a command and only options it takes, a value after those that need one and none after a flag', async () => {
    const refused: string[] = [];
    for (const q of quoted) {
      const { code, usage, err: said } = await help(q.argv);
      if (code !== 0 || !usage.startsWith('usage: chut ')) refused.push(`${q.where}: ${q.line}\n    chut ${q.argv.join(' ')} → exit ${code}: ${said}`);
    }
    expect(refused).toEqual([]);
  });

  it('would be caught: a misspelt option, a command that does not exist, a flag given a value', async () => {
    expect((await help(shellWords('export --ouput lists.csv'))).err).toContain('did you mean --output?');
    expect((await help(shellWords('prune-lists --dry-run'))).code).toBe(2);
    expect((await help(shellWords('import --force=yes x.csv'))).code).toBe(2);
  });
});

/** What `chut ARGV…` prints on standard output (help texts only: nothing else runs here). */
async function printed(argv: string[]): Promise<string> {
  out = '';
  await main(argv);
  return out;
}

describe('the examples that end each command\'s --help', () => {
  it('show every command at work, and each example goes through the command line', async () => {
    const names = (/\ncommands:\n([\s\S]*?)\n\n/.exec(await printed(['--help']))?.[1] ?? '').split('\n').map((l) => l.trim().split(' ')[0] as string);
    expect(names).toContain('check-config');
    const without: string[] = [];
    const refused: string[] = [];
    for (const name of names) {
      const examples = (/\nexamples:\n((?: {2}\S.*\n)+)/.exec(await printed([name, '--help']))?.[1] ?? '').trimEnd().split('\n').filter(Boolean);
      const argvs = examples.map((line) => {
        const args = chutArguments(line.trim());
        if (args === null) refused.push(`chut ${name} --help: "${line.trim()}" runs no chut command`);
        return args === null ? [] : shellWords(args);
      });
      if (!argvs.some((argv) => argv[0] === name)) without.push(name);
      for (const argv of argvs.filter((a) => a.length > 0)) {
        const { code, usage, err: said } = await help(argv);
        if (code !== 0 || !usage.startsWith('usage: chut ')) refused.push(`chut ${name} --help: chut ${argv.join(' ')} → exit ${code}: ${said}`);
      }
    }
    expect(without, 'commands whose --help shows no example of their own').toEqual([]);
    expect(refused).toEqual([]);
  });
});
