/**
 * `node dist/bench/heap-shapes.js A.heapsnapshot [B.heapsnapshot] [--top 25]`: what a heap holds, by object shape
 * (constructor name and own property names: `Object{key,next,prev,value}` is an LRU node, where DevTools' summary says
 * only `Object`), and with two snapshots what grew between them, most new objects first. A soak (bench/soak.ts) that
 * sees heapUsed grow takes snapshots during the run; this says which objects the growth is.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

interface Shapes {
  count: Map<string, number>;
  bytes: Map<string, number>;
}

function shapes(path: string): Shapes {
  const snap = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const { meta } = snap.snapshot;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const [nodeTypes] = meta.node_types;
  const [edgeTypes] = meta.edge_types;
  const at = (fields: string[], name: string): number => fields.indexOf(name);
  const [nType, nName, nSize, nEdges] = ['type', 'name', 'self_size', 'edge_count'].map((f) => at(meta.node_fields, f)) as [number, number, number, number];
  const [eType, eName] = ['type', 'name_or_index'].map((f) => at(meta.edge_fields, f)) as [number, number];
  const { nodes, edges, strings } = snap;
  const out: Shapes = { count: new Map(), bytes: new Map() };
  let e = 0;
  for (let n = 0; n < nodes.length; n += nf) {
    const props: string[] = [];
    const edgeCount = nodes[n + nEdges]!;
    for (let k = 0; k < edgeCount; k++, e += ef) {
      if (edgeTypes[edges[e + eType]!] === 'property') props.push(strings[edges[e + eName]!]!);
    }
    if (nodeTypes[nodes[n + nType]!] !== 'object') continue;
    const key = `${strings[nodes[n + nName]!]}{${props.filter((p) => p !== '__proto__').sort().slice(0, 8).join(',')}}`;
    out.count.set(key, (out.count.get(key) ?? 0) + 1);
    out.bytes.set(key, (out.bytes.get(key) ?? 0) + nodes[n + nSize]!);
  }
  return out;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
const top = Number(values.top);
const [first, second] = positionals;
if (!first) {
  process.stderr.write('usage: node dist/bench/heap-shapes.js A.heapsnapshot [B.heapsnapshot] [--top 25]\n');
  process.exit(2);
}
const a = shapes(first);
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;
if (!second) {
  for (const [key, n] of [...a.count].sort((x, y) => y[1] - x[1]).slice(0, top)) {
    process.stdout.write(`${String(n).padStart(9)}  ${kib(a.bytes.get(key) ?? 0).padStart(12)}  ${key.slice(0, 120)}\n`);
  }
} else {
  const b = shapes(second);
  const keys = new Set([...a.count.keys(), ...b.count.keys()]);
  const grown = [...keys].map((key) => ({ key, before: a.count.get(key) ?? 0, after: b.count.get(key) ?? 0, bytes: (b.bytes.get(key) ?? 0) - (a.bytes.get(key) ?? 0) }))
    .sort((x, y) => (y.after - y.before) - (x.after - x.before)).slice(0, top);
  for (const g of grown) {
    process.stdout.write(`${String(g.before).padStart(9)} → ${String(g.after).padEnd(9)} ${`${g.after - g.before >= 0 ? '+' : ''}${g.after - g.before}`.padStart(8)}  ` +
      `${kib(g.bytes).padStart(12)}  ${g.key.slice(0, 110)}\n`);
  }
}
