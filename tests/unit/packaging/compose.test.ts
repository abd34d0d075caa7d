/**
 * No Docker engine runs here: these tests read docker/compose.yaml, the Dockerfile and the Asterisk configs
 * and check they agree with chut's config schema, its environment variables and the files in the repository.
 */
import { describe, it, expect } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ENV_VARS, loadConfig, parseConfig } from '../../../src/config.js';

const DOCKER = resolve('docker');
const defaults = parseConfig({});
/** CHUT_CONFIG is read by loadConfig itself, before the mapped variables. */
const KNOWN_VARS = new Set([...ENV_VARS, 'CHUT_CONFIG']);

interface Service {
  build?: { context: string; dockerfile: string };
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string>;
  env_file?: string | string[];
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  user?: string;
}
const compose = parseYaml(readFileSync(join(DOCKER, 'compose.yaml'), 'utf8')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const chut = services.chut!;
const dockerfile = readFileSync(join(DOCKER, 'Dockerfile'), 'utf8');

/** `KEY=value` lines of an env file. */
function envFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** Asterisk .conf: section → key → values (sections may repeat, keys may repeat). */
function asteriskConf(name: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  let section = '';
  for (const raw of readFileSync(join(DOCKER, 'asterisk', name), 'utf8').split('\n')) {
    const line = raw.replace(/;.*$/, '').trim();
    const head = /^\[([^\]]+)\]/.exec(line);
    if (head) section = head[1]!;
    const kv = /^([A-Za-z_]+)\s*=>?\s*(.*)$/.exec(line);
    if (!head && kv) ((out[section] ??= {})[kv[1]!] ??= []).push(kv[2]!.trim());
  }
  return out;
}

const envExample = envFile(join(DOCKER, 'chut.env.example'));
/** The runtime stage's ENV instructions (`ENV A=1 \\\n    B=2` included), as KEY → value. */
const imageEnv: Record<string, string> = Object.fromEntries(
  [...dockerfile.slice(dockerfile.lastIndexOf('\nFROM ')).replace(/\\\n/g, ' ').matchAll(/^ENV\s+(.+)$/gm)]
    .flatMap((m) => m[1]!.trim().split(/\s+/).map((pair) => pair.split('=') as [string, string])),
);
/** What chut's process sees in the compose setup: the image's ENV, compose's environment, chut.env. */
const containerEnv = { ...imageEnv, ...chut.environment, ...envExample };

describe('docker/compose.yaml', () => {
  it('has chut, Redis and Asterisk, chut built from the repository with the Dockerfile', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['chut', 'redis', 'asterisk']));
    expect(chut.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile' });
    expect(existsSync(resolve(DOCKER, chut.build!.context, chut.build!.dockerfile))).toBe(true);
    expect(services.asterisk!.image).toMatch(/asterisk/);
  });

  it('sets only environment variables chut reads, and no secret in the file itself', () => {
    const used = [...Object.keys(chut.environment ?? {}), ...Object.keys(envExample)].filter((k) => k.startsWith('CHUT_'));
    expect(used.length).toBeGreaterThan(3);
    for (const name of used) expect(KNOWN_VARS.has(name), `${name} is not read by chut`).toBe(true);
    for (const name of Object.keys(chut.environment ?? {})) expect(name).not.toMatch(/PASSWORD|TOKEN/);
    expect(chut.env_file).toBe('chut.env');
    expect(Object.keys(envExample)).toEqual(expect.arrayContaining(['CHUT_ARI_PASSWORD', 'CHUT_AMI_PASSWORD', 'CHUT_API_TOKEN']));
  });

  it('gives chut a configuration that validates and points at the compose services', () => {
    const loaded = loadConfig({ file: join(DOCKER, 'chut.yaml'), env: containerEnv });
    const c = loaded.config;
    expect(c.store).toBe('redis');
    expect(c.redis.url).toBe('redis://redis:6379');
    expect(c.ari.enabled).toBe(true);
    expect(new URL(c.ari.url).hostname).toBe('asterisk');
    expect(c.ami.host).toBe('asterisk');
    expect(c.http.host).toBe('0.0.0.0');
    // The config is mounted at /etc/chut/chut.yaml and the policy next to it.
    expect(chut.environment?.CHUT_CONFIG).toBe('/etc/chut/chut.yaml');
    expect(chut.volumes).toContain(`../config/${c.policy}:/etc/chut/${c.policy}:ro`);
  });

  it('lets the mounted chut.yaml decide every setting but secrets: the image and compose set no variable that would override it', () => {
    const settings = Object.keys(containerEnv).filter((k) => k.startsWith('CHUT_') && !/PASSWORD|TOKEN/.test(k));
    expect(settings.sort()).toEqual(['CHUT_CONFIG', 'CHUT_HTTP_HOST']);
    // the edit docker/chut.yaml invites: another Redis, the debug log level, another port all take effect
    const tmp = mkdtempSync(join(tmpdir(), 'chut-compose-'));
    try {
      const edited = join(tmp, 'chut.yaml');
      writeFileSync(edited, `${readFileSync(join(DOCKER, 'chut.yaml'), 'utf8')}\n`
        .replace('url: redis://redis:6379', 'url: redis://redis.lan:6380')
        .replace(/^ {2}port: 8787$/m, '  port: 9000')
        .replace(/^ {2}level: info\b/m, '  level: debug'));
      const c = loadConfig({ file: edited, env: containerEnv }).config;
      expect([c.redis.url, c.http.port, c.log.level]).toEqual(['redis://redis.lan:6380', 9000, 'debug']);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('uses chut\'s default ports, which agree with the Asterisk configs', () => {
    const c = loadConfig({ file: join(DOCKER, 'chut.yaml'), env: containerEnv }).config;
    expect(c.http.port).toBe(defaults.http.port);
    expect(chut.ports).toContain(`127.0.0.1:${defaults.http.port}:${defaults.http.port}`);
    const ariPort = new URL(defaults.ari.url).port;
    expect(new URL(c.ari.url).port).toBe(ariPort);
    expect(asteriskConf('http.conf').general?.bindport).toEqual([ariPort]);
    expect(c.ami.port).toBe(defaults.ami.port);
    expect(asteriskConf('manager.conf').general?.port).toEqual([String(defaults.ami.port)]);
  });

  it('uses the ARI and AMI credentials that Asterisk is configured with', () => {
    const c = loadConfig({ file: join(DOCKER, 'chut.yaml'), env: containerEnv }).config;
    const ari = asteriskConf('ari.conf')[c.ari.user];
    expect(ari?.type).toEqual(['user']);
    expect(ari?.password).toEqual([c.ari.password]);
    expect(asteriskConf('manager.conf')[c.ami.user]?.secret).toEqual([c.ami.password]);
    expect(c.ari.password.length).toBeGreaterThan(0);
  });

  it('lets chut\'s AMI user read every event class chut follows (as src/ami/README.md lists them)', () => {
    const c = loadConfig({ file: join(DOCKER, 'chut.yaml'), env: containerEnv }).config;
    const read = (asteriskConf('manager.conf')[c.ami.user]?.read ?? []).join(',').split(/\s*,\s*/);
    // dialplan: Newexten, which tells the monitor a call entered Stasis (ARI mode); without it no record gets outcomes
    for (const eventClass of ['call', 'dialplan', 'user', 'dtmf', 'system']) expect(read).toContain(eventClass);
  });

  it('grants chut\'s AMI user nothing more: the event classes it follows, and `call` for Setvar, the only action that needs one', () => {
    const c = loadConfig({ file: join(DOCKER, 'chut.yaml'), env: containerEnv }).config;
    const classes = (key: 'read' | 'write') => (asteriskConf('manager.conf')[c.ami.user]?.[key] ?? []).join(',').split(/\s*,\s*/).sort();
    expect(classes('read')).toEqual(['call', 'dialplan', 'dtmf', 'system', 'user']);
    expect(classes('write')).toEqual(['call']);
    // every action chut's AMI code sends: Login, Events, Ping and Logoff need no class (manager.c), Setvar needs call
    const sent = new Set<string>();
    for (const file of readdirSync(join('src', 'ami')).filter((f) => f.endsWith('.ts'))) {
      for (const m of readFileSync(join('src', 'ami', file), 'utf8').matchAll(/\baction: '([A-Za-z]+)'/g)) sent.add(m[1] as string);
    }
    expect([...sent].sort()).toEqual(['Events', 'Login', 'Logoff', 'Ping', 'Setvar']);
  });

  it('mounts only files and directories that exist in the repository, and declares its named volumes', () => {
    for (const [name, svc] of Object.entries(services)) {
      for (const v of svc.volumes ?? []) {
        const source = v.split(':')[0]!;
        if (source.startsWith('.')) expect(existsSync(resolve(DOCKER, source)), `${name}: ${source}`).toBe(true);
        else expect(Object.keys(compose.volumes), `${name}: named volume ${source}`).toContain(source);
      }
    }
  });

  it('gives Asterisk our dialplan snippet, included by extensions.conf, and the ARI/AMI/SIP configs', () => {
    const volumes = services.asterisk!.volumes ?? [];
    for (const conf of ['http.conf', 'ari.conf', 'manager.conf', 'extensions.conf', 'pjsip.conf']) {
      expect(volumes).toContain(`./asterisk/${conf}:/etc/asterisk/${conf}:ro`);
    }
    const snippetMount = volumes.find((v) => v.startsWith('../dialplan/asterisk:'));
    expect(snippetMount).toMatch(/:ro$/);
    const target = snippetMount!.split(':')[1]!;
    const includes = [...readFileSync(join(DOCKER, 'asterisk', 'extensions.conf'), 'utf8').matchAll(/^#include\s+"?([^"\s]+)"?/gm)].map((m) => m[1]!);
    expect(includes.length).toBeGreaterThan(0);
    for (const inc of includes) {
      const inContainer = inc.startsWith('/') ? inc : `/etc/asterisk/${inc}`;
      expect(inContainer.startsWith(`${target}/`), inc).toBe(true);
      expect(existsSync(resolve('dialplan/asterisk', inContainer.slice(target.length + 1))), `dialplan/asterisk/${inc}`).toBe(true);
    }
  });

  it('jumps only to dialplan contexts that extensions.conf or the included snippet define', () => {
    const ext = readFileSync(join(DOCKER, 'asterisk', 'extensions.conf'), 'utf8');
    const included = [...ext.matchAll(/^#include\s+"?chut\/([^"\s]+)"?/gm)].map((m) => readFileSync(resolve('dialplan/asterisk', m[1]!), 'utf8'));
    const code = (text: string): string => text.split('\n').map((l) => l.replace(/;.*$/, '')).join('\n');
    const defined = new Set([ext, ...included].flatMap((t) => [...code(t).matchAll(/^\[([^\]]+)\]/gm)].map((m) => m[1]!)));
    const targets = [...code(ext).matchAll(/(?:Goto\(|include\s*=>\s*)([A-Za-z0-9_-]+)/g)].map((m) => m[1]!);
    expect(targets).toEqual(expect.arrayContaining(['chut-screen', 'chut-features']));
    for (const t of targets) expect(defined.has(t), `context [${t}] is not defined`).toBe(true);
  });

  it('publishes SIP and exactly the RTP range of rtp.conf', () => {
    const ports = services.asterisk!.ports ?? [];
    expect(ports).toContain('5060:5060/udp');
    const rtp = asteriskConf('rtp.conf').general!;
    expect(ports).toContain(`${rtp.rtpstart![0]}-${rtp.rtpend![0]}:${rtp.rtpstart![0]}-${rtp.rtpend![0]}/udp`);
  });

  it('keeps Redis data: append-only file on a named volume', () => {
    const redis = services.redis!;
    const command = Array.isArray(redis.command) ? redis.command.join(' ') : String(redis.command);
    expect(command).toMatch(/--appendonly yes/);
    const data = (redis.volumes ?? []).find((v) => v.endsWith(':/data'));
    expect(data).toBeDefined();
    expect(Object.keys(compose.volumes)).toContain(data!.split(':')[0]);
    expect(chut.depends_on?.redis?.condition).toBe('service_healthy');
  });

  it('health-checks chut on /healthz and does not run it as root', () => {
    expect(chut.healthcheck?.test.join(' ') ?? dockerfile).toContain('/healthz');
    expect(chut.user ?? '').not.toMatch(/^(root|0)(:|$)/);
  });
});

describe('docker/Dockerfile', () => {
  const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)].map((m) => ({ image: m[1]!, stage: m[2] }));
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('is multi-stage on node:20-bookworm-slim: build with dev dependencies, run with production ones only', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    for (const f of froms) expect(f.image).toBe('${NODE_IMAGE}');
    const build = dockerfile.slice(0, dockerfile.lastIndexOf('\nFROM '));
    expect(build).toMatch(/RUN npm ci\b/);
    expect(build).toMatch(/RUN npm run build/);
    expect(runtime).toMatch(/npm ci --omit=dev/);
    expect(runtime).toMatch(new RegExp(`COPY --from=${froms[0]!.stage} \\S*dist/src \\./dist/src`));
    for (const dir of ['dialplan', 'public', 'docs']) expect(runtime).toMatch(new RegExp(`^COPY ${dir} `, 'm'));
    // the file `chut report --help` names for its JSON and CSV fields
    expect(runtime).toMatch(/^COPY src\/report\/README\.md \.\/src\/report\/$/m);
    // config/ by name only: a chut.yaml~, .swp or chut.local.yaml holding passwords must not be baked into the image
    expect(runtime).toMatch(/^COPY config\/chut\.example\.yaml config\/policy\.yaml \.\/config\/$/m);
    expect(runtime).not.toMatch(/^COPY config /m);
  });

  it('runs as a non-root user', () => {
    const users = [...runtime.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]!);
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
  });

  it('checks /healthz with Node (no curl in the slim image) on the HTTP port chut\'s configuration gives, a mounted file\'s included', async () => {
    const hc = /^HEALTHCHECK[\s\S]*?CMD\s+(\[.*\])$/m.exec(runtime);
    expect(hc).not.toBeNull();
    const cmd = JSON.parse(hc![1]!) as string[];
    expect(cmd[0]).toBe('node');
    expect(cmd.join(' ')).toContain('/healthz');
    expect(cmd.join(' ')).not.toMatch(/curl|wget/);
    expect(runtime).toMatch(new RegExp(`^EXPOSE ${defaults.http.port}$`, 'm'));
    // run it as the container would (from WORKDIR /app, which holds dist/ as the repository does once built)
    expect(runtime).toMatch(/^WORKDIR \/app$/m);
    let status = 200;
    const server = createServer((req, res) => res.writeHead(req.url === '/healthz' ? status : 404).end());
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const tmp = mkdtempSync(join(tmpdir(), 'chut-health-'));
    try {
      const file = join(tmp, 'chut.yaml');
      writeFileSync(file, `http:\n  port: ${(server.address() as AddressInfo).port}\n`);
      const check = () => new Promise<number | null>((done) => {
        execFile(process.execPath, cmd.slice(1), { cwd: process.cwd(), env: { ...imageEnv, CHUT_CONFIG: file } }, (err) => done(err ? (err as { code?: number }).code ?? -1 : 0));
      });
      expect(await check()).toBe(0);
      status = 503;
      expect(await check()).toBe(1);
    } finally {
      server.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('starts the CLI that package.json declares, with `run`', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> };
    expect(runtime).toMatch(/^ENTRYPOINT \["node", "dist\/src\/cli\/main\.js"\]$/m);
    expect(pkg.bin.chut).toBe('dist/src/cli/main.js');
    expect(runtime).toMatch(/^CMD \["run"\]$/m);
  });

  it('sets only environment variables chut reads', () => {
    const names = [...runtime.matchAll(/\b(CHUT_[A-Z_]+)=/g)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(KNOWN_VARS.has(n), n).toBe(true);
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignore = readFileSync('.dockerignore', 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', '.git', 'docker/chut.env', 'config/chut.yaml']) expect(ignore).toContain(entry);
  });
});

describe('docs/packaging.md\'s `docker run` example', () => {
  const block = /```sh\ndocker build[\s\S]*?```/.exec(readFileSync('docs/packaging.md', 'utf8'))?.[0] ?? '';
  const env = Object.fromEntries([...block.matchAll(/-e (CHUT_[A-Z_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));

  it('sets only variables chut reads, and with them alone enables the PBX adapter it configures', () => {
    expect(Object.keys(env).length).toBeGreaterThan(2);
    for (const name of Object.keys(env)) expect(KNOWN_VARS.has(name), name).toBe(true);
    // a mounted file may enable it too, but an example that gives ARI's address and user and leaves ARI off
    // starts a chut that screens nothing ("no PBX adapter is enabled"), whatever file is mounted
    const { CHUT_CONFIG: _file, ...variables } = env;
    const config = loadConfig({ file: null, env: variables, cwd: '/nonexistent' }).config;
    expect(config.ari).toMatchObject({ enabled: true, url: env.CHUT_ARI_URL, user: env.CHUT_ARI_USER });
  });
});

describe('docs/packaging.md\'s Compose steps', () => {
  it('say chut turns healthy once each PBX connection docker/chut.yaml enables, and Redis, is ready (all that /healthz waits for)', () => {
    const status = readFileSync('docs/packaging.md', 'utf8').split('\n').find((l) => l.startsWith('docker compose ps')) ?? '';
    const { config } = loadConfig({ file: join(DOCKER, 'chut.yaml'), env: containerEnv });
    const enabled = (['ari', 'ami', 'esl'] as const).filter((adapter) => config[adapter].enabled).map((adapter) => adapter.toUpperCase());
    expect(enabled.length).toBeGreaterThan(0);
    for (const name of [...enabled, 'Redis']) expect(status, name).toMatch(new RegExp(`"healthy" once .*\\b${name}\\b`));
  });
});
