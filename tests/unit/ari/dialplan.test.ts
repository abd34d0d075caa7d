/** The shipped dialplan snippet agrees with chut's configuration defaults, the adapter and the simulator. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROUTE_LABELS } from '../../../src/ari/calls.js';
import { parseConfig } from '../../../src/config.js';
import { AriSimulator, DEFAULT_DIALPLAN } from '../../../src/sim/ari/index.js';

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
      const body = screen.slice(start, start + 7);
      expect(body[1]).toContain('Set(CHUT_ROUTE=)'); // cleared before Stasis: a stale value can never route
      expect(body[2]).toContain('Stasis(');
      expect(body.slice(4, 6).map((l) => /"\$\{CHUT_ROUTE\}" = "([a-z]+)"\]\?([a-z-]+),([a-z]+),1/.exec(l)?.slice(1)))
        .toEqual([[ROUTE_LABELS.voicemail, ROUTE_CONTEXT, 'voicemail'], [ROUTE_LABELS.reject, ROUTE_CONTEXT, 'reject']]);
      expect(body[6]).toBe(`same => n,Goto(${ROUTE_CONTEXT},ring,1)`);
    }
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
    expect(route).toContain('DIALPLAN_EXISTS(${CHUT_RING_TARGET})');
    expect(route).toContain('"${VMSTATUS}" = "FAILED"]?ring,1');
    expect(ctx.has('chut-user-destination')).toBe(true);
  });

  it('sends the feature codes *77/*78 to Stasis(app,report,spam|allow)', () => {
    const features = (ctx.get('chut-features') ?? []).join('\n');
    expect(features).toContain('exten => *77,1,');
    expect(features).toContain('exten => *78,1,');
    expect(features).toContain(`Stasis(${config.ari.app},report,spam)`);
    expect(features).toContain(`Stasis(${config.ari.app},report,allow)`);
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
