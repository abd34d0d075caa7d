/**
 * Seeded mutations of a JSON frame (ARI's WebSocket events), for the fuzz tests: a field of another type or shape,
 * removed, added, the event `type` swapped for another event's or an odd name, and, written as text because
 * JSON.stringify would not, a `__proto__` key, a duplicate `type` and deep nesting.
 */
import { int, pick, type Rand } from './mutate.js';

export const TYPES = ['StasisStart', 'StasisEnd', 'ChannelDtmfReceived', 'ChannelHangupRequest', 'ChannelDestroyed', 'ChannelStateChange',
  'PlaybackStarted', 'PlaybackContinuing', 'PlaybackFinished', 'ApplicationReplaced', 'ChannelVarset', '', 'stasisstart',
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'x'.repeat(65)];
const huge = (n: number): string => 'x'.repeat(n);
/** Values of another type or shape than the field had. */
const WRONG: ReadonlyArray<() => unknown> = [
  () => null, () => true, () => 0, () => -1, () => 1.5, () => 2 ** 53 + 1, () => '', () => 'x', () => huge(300), () => huge(2000),
  () => huge(150_000), () => [], () => [1], () => ['a', 'b'], () => ({}), () => ({ id: '1.1' }), () => '../..', () => '.', () => '..',
  () => '1795889353.33/continue', () => '1795889353.33', () => 'channel:../..', () => 'StasisStart', () => '\u202e\r\n\0',
  () => Array.from({ length: 20_000 }, (_, i) => i), () => Array.from({ length: 40 }, () => 'report'),
  () => ({ name: 1, number: [] }), () => ({ context: 'x', exten: 'y', priority: '1' }),
];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every place in the value: containers and their keys (or indices). */
function places(value: Json, out: Array<{ parent: Json[] | { [key: string]: Json }; key: string | number }> = []) {
  if (Array.isArray(value)) value.forEach((v, i) => { out.push({ parent: value, key: i }); places(v, out); });
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) { out.push({ parent: value, key: k }); places(v, out); }
  }
  return out;
}

/** The frame's JSON with one to three fields changed, then serialised; `__proto__` and duplicate keys go in as text
 * (JSON.stringify would not write them). */
export function mutateJson(frame: string, rand: Rand): { text: string; applied: string[] } {
  const root = JSON.parse(frame) as { [key: string]: Json };
  const applied: string[] = [];
  for (let n = int(rand, 1, 3); n > 0; n--) {
    const all = places(root);
    const at = pick(rand, all);
    const op = pick(rand, ['wrong-type', 'wrong-type', 'remove', 'add', 'type']);
    applied.push(op);
    if (op === 'type') root.type = pick(rand, TYPES);
    else if (op === 'remove') {
      if (Array.isArray(at.parent)) at.parent.splice(at.key as number, 1);
      else delete at.parent[at.key as string];
    } else if (op === 'add') {
      const target = pick(rand, [root, ...all.map((p) => (p.parent as { [k: string]: Json }))].filter((p) => !Array.isArray(p)));
      target[pick(rand, ['extra', 'constructor', 'toString', 'id', 'type', 'channel', 'playback', 'args'])] = pick(rand, WRONG)() as Json;
    } else {
      (at.parent as Record<string | number, Json>)[at.key] = pick(rand, WRONG)() as Json;
    }
  }
  let text = JSON.stringify(root);
  const inject = rand();
  if (inject < 0.1) {
    text = text.replace(/^\{/, `{"__proto__":{"polluted":true,"id":"1.1"},`);
    applied.push('__proto__');
  } else if (inject < 0.2) {
    text = text.replace(/\}$/, `,"type":"${pick(rand, TYPES)}"}`);
    applied.push('duplicate-type');
  } else if (inject < 0.25) {
    const depth = pick(rand, [100, 10_000, 100_000]);
    text = text.replace(/^\{/, `{"deep":${'['.repeat(depth)}${']'.repeat(depth)},`);
    applied.push(`nested-${depth}`);
  }
  return { text, applied };
}

