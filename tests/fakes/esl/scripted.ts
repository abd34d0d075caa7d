/**
 * Plays chut's part of an outbound connection with a fixed list of commands, without any screening: to check what
 * the fake FreeSWITCH does with given commands (and that it answers as the real one does). Once the commands are
 * written it sends nothing more and never closes: a chut that hangs at that point.
 */
import { createServer, type Socket } from 'node:net';
import { plainCommand } from '../../../src/esl/command.js';
import { FrameParser, eventOf } from '../../../src/esl/frame.js';
import type { SimulatedCall } from '../../../src/sim/types.js';
import type { EslOutcome, FakeFreeSwitch } from './index.js';

export interface ScriptedRun {
  out: EslOutcome;
  /** Bodies of the `api/response` frames, in order. */
  apiBodies: string[];
  /** `Application-Response` of each CHANNEL_EXECUTE_COMPLETE, with its application. */
  completions: Array<{ app: string; response: string }>;
  /** Names of the events received. */
  events: string[];
}

/** Writes `connect` then `commands` (already serialised) on the connection the fake opens for `call`; a function
 * gets the channel data of the `connect` reply and is written once that reply arrived. */
export async function scripted(sim: FakeFreeSwitch, call: SimulatedCall,
  commands: string[] | ((channel: Record<string, string>) => string[])): Promise<ScriptedRun> {
  const apiBodies: string[] = [];
  const completions: ScriptedRun['completions'] = [];
  const events: string[] = [];
  const sockets = new Set<Socket>();
  const closed: Array<Promise<void>> = [];
  const server = createServer((socket) => {
    sockets.add(socket);
    closed.push(new Promise((resolve) => socket.once('close', () => resolve())));
    const parser = new FrameParser();
    let connected = false;
    socket.on('data', (chunk: Buffer) => {
      for (const f of parser.push(chunk)) {
        if (!connected && f.headers['Content-Type'] === 'command/reply') {
          connected = true;
          if (typeof commands === 'function') socket.write(commands(f.headers).join(''));
          continue;
        }
        if (f.headers['Content-Type'] === 'api/response') apiBodies.push(f.body);
        const e = eventOf(f);
        if (!e) continue;
        events.push(e['Event-Name'] ?? '');
        if (e['Event-Name'] === 'CHANNEL_EXECUTE_COMPLETE') completions.push({ app: e.Application ?? '', response: e['Application-Response'] ?? '' });
      }
    });
    socket.on('error', () => undefined);
    socket.write([plainCommand('connect'), ...(typeof commands === 'function' ? [] : commands)].join(''));
  });
  await new Promise<void>((resolve) => server.listen(sim.listenPort, '127.0.0.1', resolve));
  try {
    const out = await sim.placeCall(call);
    // The outcome is known as soon as the call ends; the last frames may still be in flight to this side.
    await Promise.race([Promise.all(closed), new Promise((resolve) => setTimeout(resolve, 1000))]);
    return { out, apiBodies, completions, events };
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
