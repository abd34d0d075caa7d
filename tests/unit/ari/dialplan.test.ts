/** The shipped dialplan snippet agrees with chut's configuration defaults, the adapter and the simulator. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { answerBoundS, ROUTE_LABELS } from '../../../src/ari/calls.js';
import { parseConfig } from '../../../src/config.js';
import { AriSimulator, DEFAULT_DIALPLAN, SCREEN_STASIS_PRIORITY } from '../../../src/sim/ari/index.js';
import { CLEARED_BEFORE_STASIS } from '../../../src/sim/ari/channel.js';
import { VOICEMAIL_BOX } from '../../../src/voicemail-box.js';
import { extensionMatches } from '../../helpers/asterisk-pattern.js';

const text = readFileSync('dialplan/asterisk/chut-ari.conf', 'utf8');
const config = parseConfig({});
const ROUTE_CONTEXT = 'chut-route';


/** context name → its lines (comments stripped), in order. */
function contexts(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s;.*$/, '').replace(/^;.*$/, '').trim();
    const head = /^\[([^\]]+)\]$/.exec(line);
    if (head) out.set(head[1] as string, (current = []));
    else if (line && current) current.push(line);
  }
  return out;
}

describe('dialplan/asterisk/chut-ari.conf', () => {
  const ctx = contexts();

  it('runs Stasis at the priority the simulator reports in StasisStart', () => {
    const screen = ctx.get('chut-screen') ?? [];
    expect(screen.findIndex((l) => /Stasis\(chut\)/.test(l)) + 1).toBe(SCREEN_STASIS_PRIORITY);
  });

  it('says in its first two lines where it goes, for plain Asterisk and for FreePBX', () => {
    const [first, second] = text.split('\n');
    expect(first).toMatch(/^;.*#include chut-ari\.conf.*extensions\.conf/);
    expect(second).toMatch(/^;.*FreePBX.*extensions_custom\.conf/);
  });

  it('screens in Stasis(<ari.app>) and every path after Stasis ends in ring unless CHUT_ROUTE names a label', () => {
    const screen = ctx.get('chut-screen') ?? [];
    expect(screen.filter((l) => l.includes(`Stasis(${config.ari.app})`))).toHaveLength(2);
    for (const ext of ['_[+0-9].', 's']) {
      const start = screen.findIndex((l) => l.startsWith(`exten => ${ext},1,`));
      const stasis = screen.findIndex((l, i) => i > start && l.includes('Stasis('));
      const body = screen.slice(stasis - 1, stasis + 6);
      expect(body[0]).toBe(`same => n,Set(TIMEOUT(absolute)=${DEFAULT_DIALPLAN.stasisTimeoutS})`);
      expect(body[2]).toBe(`same => n(dispatch),Gosub(${ROUTE_CONTEXT},absolute-timeout,1)`); // first thing back: the bound off
      expect(body.slice(4, 6).map((l) => /"\$\{CHUT_ROUTE\}" = "([a-z]+)"\]\?([a-z-]+),([a-z]+),1/.exec(l)?.slice(1)))
        .toEqual([[ROUTE_LABELS.voicemail, ROUTE_CONTEXT, 'voicemail'], [ROUTE_LABELS.reject, ROUTE_CONTEXT, 'reject']]);
      expect(body[6]).toBe(`same => n,Goto(${ROUTE_CONTEXT},ring,1)`);
    }
  });

  it('clears, before Stasis, every variable the ARI adapter sets: a stale or inherited value never routes a call', () => {
    const screen = ctx.get('chut-screen') ?? [];
    const source = readdirSync('src/ari').filter((f) => f.endsWith('.ts')).map((f) => readFileSync(join('src/ari', f), 'utf8')).join('\n');
    const setByChut = new Set([...source.matchAll(/\bCHUT_[A-Z_]+\b/g)].map((m) => m[0]));
    expect([...setByChut].sort()).toEqual(['CHUT_MAILBOX', 'CHUT_REJECT', 'CHUT_ROUTE']);
    for (const ext of ['_[+0-9].', 's']) {
      const start = screen.findIndex((l) => l.startsWith(`exten => ${ext},1,`));
      const stasis = screen.findIndex((l, i) => i > start && l.includes('Stasis('));
      const cleared = screen.slice(start, stasis).map((l) => /Set\((CHUT_[A-Z_]+)=\)$/.exec(l)?.[1]).filter(Boolean);
      for (const name of setByChut) expect(cleared, `${ext}: ${name}`).toContain(name);
      expect(cleared.filter((n) => n !== 'CHUT_ABSOLUTE_END')).toEqual([...CLEARED_BEFORE_STASIS]); // as the simulator models it
    }
  });

  it('bounds the time in Stasis: past TIMEOUT(absolute), `T` clears it and rings; chut re-arms a longer bound for a captcha', () => {
    const screen = ctx.get('chut-screen') ?? [];
    const t = screen.findIndex((l) => l.startsWith('exten => T,1,'));
    expect(screen.slice(t, t + 2)).toEqual([`exten => T,1,Gosub(${ROUTE_CONTEXT},absolute-timeout,1)`, `same => n,Goto(${ROUTE_CONTEXT},ring,1)`]);
    const bounds = screen.map((l) => /TIMEOUT\(absolute\)=(\d+)/.exec(l)?.[1]).filter((v) => v !== undefined).map(Number);
    expect(new Set(bounds.filter((b) => b > 0))).toEqual(new Set([DEFAULT_DIALPLAN.stasisTimeoutS]));
    // long enough for chut to screen at its slowest allowed deadline, then its watchdog
    const slowest = parseConfig({ screening: { deadlineMs: 5000 } });
    expect(DEFAULT_DIALPLAN.stasisTimeoutS * 1000).toBeGreaterThan(slowest.screening.deadlineMs + 2000 + 150);
    // the re-armed bound outlasts the longest captcha each configuration allows, prompts included
    const longest = parseConfig({ captcha: { attempts: 5, length: 8, firstDigitTimeoutMs: 30_000, interDigitTimeoutMs: 10_000 } }).captcha;
    for (const c of [config.captcha, longest]) {
      const waits = c.attempts * (c.firstDigitTimeoutMs + (c.length - 1) * c.interDigitTimeoutMs);
      expect(answerBoundS(c) * 1000).toBeGreaterThan(waits + (c.attempts + 1) * 5000);
      expect(answerBoundS(c)).toBeGreaterThan(DEFAULT_DIALPLAN.stasisTimeoutS);
    }
  });

  it('puts back after Stasis (and in `T`) an absolute timeout the user\'s dialplan set before chut-screen, with what is left of it', () => {
    const screen = ctx.get('chut-screen') ?? [];
    for (const ext of ['_[+0-9].', 's']) {
      const start = screen.findIndex((l) => l.startsWith(`exten => ${ext},1,`));
      const bound = screen.findIndex((l, i) => i > start && l === `same => n,Set(TIMEOUT(absolute)=${DEFAULT_DIALPLAN.stasisTimeoutS})`);
      // read (seconds left, func_timeout.c; 0: none) before chut arms its own bound, as the epoch second it ends at
      expect(screen.slice(bound - 2, bound)).toEqual([
        'same => n,Set(CHUT_ABSOLUTE_END=)',
        'same => n,ExecIf($["${TIMEOUT(absolute)}" != "0"]?Set(CHUT_ABSOLUTE_END=$[${EPOCH} + ${TIMEOUT(absolute)}]))',
      ]);
    }
    const route = ctx.get(ROUTE_CONTEXT) ?? [];
    const at = route.indexOf('exten => absolute-timeout,1,Set(TIMEOUT(absolute)=0)'); // the bound off first, always
    expect(at).toBeGreaterThanOrEqual(0);
    expect(route.slice(at + 1, at + 5)).toEqual([
      'same => n,GotoIf($["${CHUT_ABSOLUTE_END}" = ""]?done)', // none set: the call keeps none
      'same => n,Set(LOCAL(left)=$[${CHUT_ABSOLUTE_END} - ${EPOCH}])',
      'same => n,Set(TIMEOUT(absolute)=${IF($[${left} > 0]?${left}:1)})', // already past: it fires at once (1 s)
      'same => n(done),Return()',
    ]);
  });

  it('a DID no screening extension matches (letters, one character) goes to `i`, which rings; no catch-all takes h, i or T', async () => {
    const screen = ctx.get('chut-screen') ?? [];
    const names = screen.map((l) => /^exten => ([^,]+),1,/.exec(l)?.[1]).filter((n): n is string => n !== undefined);
    const screening = names.filter((n) => !['i', 'T'].includes(n));
    for (const did of ['sales', '5', '']) expect(screening.filter((n) => extensionMatches(n, did)), did).toEqual([]);
    for (const did of ['0100000000', '+33100000000', '201', 's']) expect(screening.some((n) => extensionMatches(n, did)), did).toBe(true);
    for (const special of ['h', 'i', 'T']) expect(names.filter((n) => extensionMatches(n, special)), special).toEqual(special === 'h' ? [] : [special]);
    expect(screen).toContain(`exten => i,1,Goto(${ROUTE_CONTEXT},ring,1)`);
    // as the simulator models it: such a DID never reaches Stasis, and rings
    const sim = new AriSimulator();
    for (const did of ['sales', '5']) {
      const out = await sim.placeCall({ callerNumber: '+33612000000', callerName: '', dialled: did, behaviour: { kind: 'silent' } });
      expect(out).toMatchObject({ route: 'ring', answered: false, dialplan: [`i: Goto(${ROUTE_CONTEXT},ring,1)`] });
    }
  });

  it('trusts CHUT_RING_TARGET only with all three parts, and a Goto that lands on nothing in chut-route still rings', () => {
    const route = ctx.get(ROUTE_CONTEXT) ?? [];
    const ring = route.slice(route.findIndex((l) => l.startsWith('exten => ring,1,')));
    const shape = ring.findIndex((l) => l.includes('REGEX('));
    const jump = ring.findIndex((l) => l.includes('DIALPLAN_EXISTS(${CHUT_RING_TARGET})'));
    expect(shape).toBeGreaterThan(0);
    expect(shape).toBeLessThan(jump); // checked before DIALPLAN_EXISTS and the Goto
    expect(ring[shape]).toContain('" != "1"]?default)');
    const regex = /REGEX\("([^"]+)" \$\{CHUT_RING_TARGET\}\)/.exec(ring[shape] ?? '')?.[1] ?? '';
    const three = new RegExp(regex);
    for (const ok of ['from-did-direct,100,1', 'ext-group,600,1', 'from-internal,_X.,start']) expect(three.test(ok), ok).toBe(true);
    // two parts pass DIALPLAN_EXISTS (context,extension) but Goto reads them as extension,priority of chut-route
    for (const bad of ['from-did-direct,100', '100', '', 'a,b,c,d', ',100,1']) expect(three.test(bad), bad).toBe(false);
    expect(route).toContain('exten => i,1,Goto(chut-user-destination,s,1)');
  });

  it('has a label for every CHUT_ROUTE value the adapter sets', () => {
    const route = ctx.get(ROUTE_CONTEXT) ?? [];
    for (const label of Object.values(ROUTE_LABELS)) {
      expect(route.some((l) => l.startsWith(`exten => ${label},1,`))).toBe(true);
    }
  });

  it('handles every reject style of routes.reject, and a missing ring target or mailbox falls back to ringing', () => {
    const route = (ctx.get(ROUTE_CONTEXT) ?? []).join('\n');
    for (const style of ['busy', 'congestion', 'sip-607', 'sip-603']) expect(route).toContain(`"\${CHUT_REJECT}" = "${style}"`);
    expect(route).toContain('Playtones(info)');
    // PJSIPHangup only exists since 18.21/20.6/21.1: an ExecIf of an unknown application would end the call at once
    for (const code of ['607', '603']) expect(route).toContain(`TryExec(PJSIPHangup(${code}))`);
    expect(route).not.toMatch(/\?PJSIPHangup/);
    expect(route).toContain('DIALPLAN_EXISTS(${CHUT_RING_TARGET})');
    // a box that does not exist, or no app_voicemail at all (a plain VoiceMail() would end the call): ring
    expect(route).toContain('TryExec(VoiceMail(${CHUT_MAILBOX},u))');
    expect(route).toContain('"${TRYSTATUS}" = "NOAPP" | "${VMSTATUS}" = "FAILED"]?ring,1');
    expect(route).not.toMatch(/,VoiceMail\(/);
    expect(ctx.has('chut-user-destination')).toBe(true);
  });

  it('checks the box before TryExec (which substitutes its argument again): anything but one plain box rings', () => {
    const lines = ctx.get(ROUTE_CONTEXT) ?? [];
    const at = lines.indexOf('same => n,TryExec(VoiceMail(${CHUT_MAILBOX},u))');
    expect(at).toBeGreaterThan(0);
    const check = /^same => n,GotoIf\(\$\[\$\{REGEX\("([^"]+)" \$\{CHUT_MAILBOX\}\)\}\]\?:ring,1\)$/.exec(lines[at - 1] ?? '');
    expect(check, lines[at - 1]).not.toBeNull();
    const re = new RegExp(check?.[1] ?? '');
    expect(re.source).toBe(VOICEMAIL_BOX.source); // the simulator's model of it
    for (const ok of ['100@default', '+33100000000', '100', 'sales-1@my_ctx']) expect(re.test(ok), ok).toBe(true);
    for (const bad of ['1${SHELL(id)}', '100&200@default', '1,b', '100)', '@default', 'a@b@c', '']) expect(re.test(bad), bad).toBe(false);
    // chut's own boxes all pass: routes.voicemailMailbox's shape, and a DID in E.164
    expect(re.test('+33100000000@default')).toBe(true);
  });

  it('sends the feature codes *77/*78 to Stasis(app,report,spam|allow), through a context no phone includes', () => {
    const features = ctx.get('chut-features') ?? [];
    expect(features).toEqual(['exten => *77,1,Goto(chut-features-run,spam,1)', 'exten => *78,1,Goto(chut-features-run,allow,1)']);
    const run = (ctx.get('chut-features-run') ?? []).join('\n');
    expect(run).toContain(`Stasis(${config.ari.app},report,spam)`);
    expect(run).toContain(`Stasis(${config.ari.app},report,allow)`);
    expect(DEFAULT_DIALPLAN.featuresContext).toBe('chut-features-run');
  });

  it('bounds the feature codes\' time in Stasis too: TIMEOUT(absolute) before, cleared after, `T` beeps an error', () => {
    const run = ctx.get('chut-features-run') ?? [];
    for (const label of ['spam', 'allow']) {
      const start = run.findIndex((l) => l.startsWith(`exten => ${label},1,`));
      expect(run[start + 1]).toBe(`same => n,Set(TIMEOUT(absolute)=${DEFAULT_DIALPLAN.featuresTimeoutS})`);
      expect(run[start + 2]).toContain('Stasis(');
      expect(run[start + 3]).toBe('same => n,Set(TIMEOUT(absolute)=0)');
    }
    const t = run.findIndex((l) => l.startsWith('exten => T,1,'));
    expect(run.slice(t, t + 3)).toEqual(['exten => T,1,Set(TIMEOUT(absolute)=0)', 'same => n,Playback(beeperr)', 'same => n,Hangup()']);
    // the context phones include holds no `T`: it would catch the phones' own absolute timeouts
    expect((ctx.get('chut-features') ?? []).some((l) => l.startsWith('exten => T,'))).toBe(false);
  });

  it('is the dialplan the simulator models', async () => {
    expect(ctx.has(DEFAULT_DIALPLAN.screenContext)).toBe(true);
    expect(DEFAULT_DIALPLAN.routeContext).toBe(ROUTE_CONTEXT);
    expect(DEFAULT_DIALPLAN.labels).toEqual(ROUTE_LABELS);
    const sim = new AriSimulator();
    const out = await sim.placeCall({ callerNumber: '1', callerName: '', dialled: '0100000000', behaviour: { kind: 'silent' } });
    expect(out).toMatchObject({ route: 'ring', answered: false }); // no app connected: Stasis returned, dispatch rang
  });
});
