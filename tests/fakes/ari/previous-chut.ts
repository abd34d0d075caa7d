import WebSocket from 'ws';
import type { AriSimulator } from '../../../src/sim/ari/index.js';
import { eventually } from './index.js';

/**
 * A previous chut (a bare WebSocket here) that holds the app while calls enter it, then goes away without sending
 * them on: what a restart mid-call leaves for the orphan sweep.
 */
export async function previousChut(s: AriSimulator): Promise<{ leave: () => Promise<void> }> {
  const headers = { authorization: `Basic ${Buffer.from(`${s.user}:${s.password}`).toString('base64')}` };
  const previous = new WebSocket(`${s.url.replace('http', 'ws')}/ari/events?app=${s.app}&subscribeAll=false`, { headers });
  await new Promise((resolve, reject) => { previous.once('open', resolve); previous.once('error', reject); });
  return {
    async leave() {
      previous.close();
      await eventually(() => !s.registered(), 2000, 'the previous app to go');
    },
  };
}
