/**
 * Two connections for one Stasis app name (a second chut on the same `ari.app`, the new pod of a rolling update).
 * Asterisk keeps one handler per app: the newest registration wins and the older connection gets ApplicationReplaced,
 * then nothing. When the winner closes, Asterisk 22 unregisters the app and every Stasis(chut) fails: the calls ring
 * unscreened. chut must say it is not screening (not `ready`), name the cause, and register the app again once it is
 * free, so that screening comes back by itself.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import WebSocket from 'ws';
import { createAriAdapter, type AriAdapter } from '../../src/ari/index.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { SimulatedCall } from '../../src/sim/types.js';
import { AriSimulator, eventually, rejectAll } from '../fakes/ari/index.js';

let n = 0;
const call = (callerName: string): SimulatedCall =>
  ({ callerNumber: `+3361288${String(++n).padStart(4, '0')}`, callerName, dialled: '0100000000', behaviour: { kind: 'silent' } });


const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => { for (const c of cleanup.splice(0).reverse()) await c(); });

async function startSim(): Promise<AriSimulator> {
  const sim = new AriSimulator();
  await sim.start();
  cleanup.push(() => sim.stop());
  return sim;
}

function startChut(sim: AriSimulator): { adapter: AriAdapter; logs: string[] } {
  const logs: string[] = [];
  const logger = createLogger('debug', new Writable({ write(c, _e, done) { logs.push(String(c)); done(); } }));
  const config = parseConfig({ ari: { enabled: true, url: sim.url, user: sim.user, password: sim.password, app: sim.app } });
  const adapter = createAriAdapter({ config, logger, screening: rejectAll }, { appCheckMs: 100, retryStrategy: () => 50 });
  cleanup.push(() => adapter.stop());
  return { adapter, logs };
}

/** Another ARI client registering the same app name over its own WebSocket; `frames` collects what it is sent. */
async function intruder(sim: AriSimulator): Promise<{ ws: WebSocket; frames: string[] }> {
  const headers = { authorization: `Basic ${Buffer.from(`${sim.user}:${sim.password}`).toString('base64')}` };
  const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/ari/events?app=${sim.app}&subscribeAll=false`, { headers });
  const frames: string[] = [];
  ws.on('message', (d) => frames.push(String(d)));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  cleanup.push(async () => { ws.terminate(); });
  return { ws, frames };
}

describe('the fake Asterisk, as Asterisk 22 handles a second registration of an app', () => {
  it('sends ApplicationReplaced to the older connection; the app goes when its current owner closes, not the replaced one', async () => {
    const sim = await startSim();
    const a = await intruder(sim);
    const b = await intruder(sim);
    await eventually(() => a.frames.length === 1, 2000, 'ApplicationReplaced');
    const frame = JSON.parse(a.frames[0] as string) as Record<string, unknown>;
    // res/stasis/app.c app_update + app_send (asterisk_id) + ari_websockets.c session_send_or_queue (timestamp)
    expect(Object.keys(frame)).toEqual(['type', 'application', 'asterisk_id', 'timestamp']);
    expect(frame).toMatchObject({ type: 'ApplicationReplaced', application: sim.app });
    expect(b.frames).toEqual([]);
    // the replaced connection no longer lists the app: closing it unregisters nothing
    a.ws.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.registered()).toBe(true);
    // the current owner's close unregisters it: Stasis(chut) then fails and the call rings unscreened
    b.ws.close();
    await eventually(() => !sim.registered(), 2000, 'the app to be unregistered');
    const res = await fetch(`${sim.url}/ari/applications/${sim.app}`, { headers: { authorization: `Basic ${Buffer.from(`${sim.user}:${sim.password}`).toString('base64')}` } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ message: 'Application not found' });
  });
});

describe('chut whose Stasis app another connection took over', () => {
  it('stops reporting ready, says why, and registers the app again once the other connection has gone: calls are screened again', async () => {
    const sim = await startSim();
    const { adapter, logs } = startChut(sim);
    await adapter.start();
    await sim.waitForChut();
    expect(adapter.status().state).toBe('ready');

    const other = await intruder(sim);
    await eventually(() => adapter.status().state !== 'ready', 2000, 'chut to stop reporting ready');
    expect(logs.some((l) => l.includes('ApplicationReplaced') && l.includes('ari.app') && l.includes('"level":50'))).toBe(true);
    // while the other connection holds the app, chut does not take it back (no tug of war between two instances)
    await new Promise((r) => setTimeout(r, 500));
    expect(other.frames.filter((f) => f.includes('ApplicationReplaced'))).toEqual([]);
    expect(adapter.status().state).toBe('reconnecting');

    // the other connection goes: Asterisk drops the app, chut registers it again by itself
    other.ws.close();
    await eventually(() => adapter.status().state === 'ready' && sim.registered(), 3000, 'chut to register the app again');
    const out = await sim.placeCall(call('REJECT after takeover'));
    expect(out.route).toBe('reject');
  });

  it('rolling update: the new instance screens, the old one stands by and is stopped, screening never stops', async () => {
    const sim = await startSim();
    const old = startChut(sim);
    await old.adapter.start();
    await sim.waitForChut();
    const fresh = startChut(sim);
    await fresh.adapter.start();
    await eventually(() => old.adapter.status().state !== 'ready', 2000, 'the old instance to stand by');
    expect(fresh.adapter.status().state).toBe('ready');
    expect((await sim.placeCall(call('REJECT during update'))).route).toBe('reject');
    await old.adapter.stop();
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.registered()).toBe(true);
    expect(fresh.adapter.status().state).toBe('ready');
    expect((await sim.placeCall(call('REJECT after update'))).route).toBe('reject');
  });

  it('a standing-by instance takes the app over when the instance that holds it stops', async () => {
    const sim = await startSim();
    const first = startChut(sim);
    await first.adapter.start();
    await sim.waitForChut();
    const second = startChut(sim);
    await second.adapter.start();
    await eventually(() => first.adapter.status().state !== 'ready', 2000, 'the first instance to stand by');
    await second.adapter.stop();
    await eventually(() => first.adapter.status().state === 'ready' && sim.registered(), 3000, 'the first instance to take the app back');
    expect((await sim.placeCall(call('REJECT after failover'))).route).toBe('reject');
  });
});
