/**
 * A client that hangs up on GET /api/export before the export has begun to go out (found by http-fuzz.test.ts: the
 * store's check before the first line takes a Redis round trip, and the client was gone by then). Nobody is left to
 * answer: chut logs no error about it (it logged `request failed` with a stack, at error level, as for a bug), and
 * the next export is answered. The in-memory store, its check slowed down to a Redis round trip's worth.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createHttpServer, createMetrics, type HttpServer } from '../../src/http/index.js';
import { createLogger } from '../../src/logger.js';
import { createMemoryStore } from '../../src/reputation/index.js';
import type { ReputationStore } from '../../src/reputation/types.js';
import type { ScreeningService } from '../../src/screening/types.js';
import { exchange } from '../helpers/http-exchange.js';
import { until } from '../helpers/until.js';

const TOKEN = 'hangup-token-0123456789abcdef';
const logged: Array<{ level: number; msg: string; reqId?: string }> = [];
let http: HttpServer;

let exportsBegun = 0;

/** The store, its ping (the export's check before its first line) answering after `ms`, its exports counted. */
function slowPing(store: ReputationStore, ms: number): ReputationStore {
  return new Proxy(store, {
    get(target, name, receiver) {
      if (name === 'ping') return () => new Promise<void>((resolve) => setTimeout(resolve, ms));
      if (name === 'exportLists') exportsBegun++;
      return Reflect.get(target, name, receiver) as unknown;
    },
  });
}

beforeAll(async () => {
  const store = createMemoryStore();
  await store.addListEntry({ list: 'block', entry: { kind: 'number', e164: '+33612345678' }, reason: 'x', source: 'api', addedAt: 0, expiresAt: null });
  http = await createHttpServer({
    config: parseConfig({ http: { port: 0, token: TOKEN } }), screening: {} as ScreeningService, store: slowPing(store, 50),
    logger: createLogger('debug', { write: (line: string) => { logged.push(JSON.parse(line)); } }), metrics: createMetrics(), adapters: [],
  });
});
afterAll(async () => { await http?.close(); });

it('a client gone before its export began: no error logged, and the next export is answered', async () => {
  const head = `GET /api/export HTTP/1.1\r\nHost: ${new URL(http.url).host}\r\nAuthorization: Bearer ${TOKEN}\r\n`;
  // with a body (which the route ignores) and without: the fuzz case had one
  const requests = [`${head}\r\n`, `${head}Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`];
  for (let i = 0; i < 4; i++) {
    // sent, then our side shut at once: Node takes the client as gone, before the store has answered
    const gone = await exchange(http.url, Buffer.from(requests[i % 2] as string), { halfClose: true, method: 'GET', waitMs: 5000 });
    expect(gone.answers).toEqual([]);
  }
  // the route goes on to begin each export (the ping answers), for nobody
  await until(() => exportsBegun >= 4, 'the four exports to begin');
  // Each gone request has ended once its export slot (http.maxConcurrentExports, 4) is free again: the slot is given
  // back on the response's close. So once four exports at once are all answered, none refused 429, all four have
  // ended, and whatever they were to log is logged.
  for (let round = 0; ; round++) {
    const answers = await Promise.all(Array.from({ length: 4 }, async () => {
      const r = await fetch(`${http.url}/api/export`, { headers: { authorization: `Bearer ${TOKEN}` } });
      return { status: r.status, body: await r.text() };
    }));
    if (answers.every((a) => a.status === 200)) {
      for (const a of answers) expect(a.body).toContain('+33612345678');
      break;
    }
    expect(answers.map((a) => a.status).filter((status) => status !== 200 && status !== 429)).toEqual([]);
    if (round > 200) throw new Error('the gone exports never gave their slots back');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(logged.filter((l) => l.level >= 50)).toEqual([]);
});
