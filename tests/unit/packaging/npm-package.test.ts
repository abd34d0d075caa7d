/** What `npm pack` ships: everything the README points an installed user to. */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = process.cwd();

function packedFiles(cwd = root): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
}

describe('the npm package', () => {
  it('holds every file the README links to, the systemd unit, the dialplan snippets and the licence', () => {
    const files = new Set(packedFiles());
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)#\s]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
    expect(links.length).toBeGreaterThan(3);
    for (const link of [...links, 'contrib/chut.service', 'dialplan/asterisk/chut-ari.conf', 'dialplan/asterisk/chut-ami.conf', 'dialplan/freeswitch/chut.xml', 'LICENSE']) {
      expect(files.has(link), link).toBe(true);
    }
    expect([...files].filter((f) => /^(tests|bench|\.ci)\//.test(f))).toEqual([]);
  });

  it('ships source maps that carry their TypeScript, since the package holds no src/*.ts for them to point at', () => {
    const maps = packedFiles().filter((f) => f.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(20);
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(join(root, map), 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
      expect(sourcesContent?.length, map).toBe(sources.length);
      expect(sourcesContent!.every((text) => typeof text === 'string' && text.length > 0), map).toBe(true);
    }
  });

  it('never ships the administrator\'s config/chut.yaml (its passwords would be installed world-readable), only the example and the policy', () => {
    // package.json's `files` alone decides, in a copy of the package with a config/chut.yaml as the README's install
    // leaves one in a clone (no .gitignore copied: it must not be what keeps the file out)
    const copy = mkdtempSync(join(tmpdir(), 'chut-pack-'));
    try {
      copyFileSync(join(root, 'package.json'), join(copy, 'package.json'));
      mkdirSync(join(copy, 'config'));
      for (const name of ['chut.example.yaml', 'policy.yaml']) copyFileSync(join(root, 'config', name), join(copy, 'config', name));
      writeFileSync(join(copy, 'config', 'chut.yaml'), 'ari:\n  password: "MyAriSecret"\n');
      writeFileSync(join(copy, 'config', 'chut.local.yaml'), 'http:\n  token: "a-token-of-my-own-1234"\n');
      expect(packedFiles(copy).filter((f) => f.startsWith('config/')).sort()).toEqual(['config/chut.example.yaml', 'config/policy.yaml']);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
    expect(packedFiles().filter((f) => f.startsWith('config/')).sort()).toEqual(['config/chut.example.yaml', 'config/policy.yaml']);
    // nor committed by mistake: git ignores it
    expect(execFileSync('git', ['check-ignore', 'config/chut.yaml'], { cwd: root, encoding: 'utf8' }).trim()).toBe('config/chut.yaml');
  });
});
