/**
 * POST /api/import, one at a time (http.maxConcurrentImports, default 1), on raw sockets: an import arriving while
 * another is in progress is refused at once, before its body is sent, with 429, `Retry-After` and a message, and
 * imports nothing; the slot comes back however the import in progress ends (answered, refused, cut, timed out, its
 * client gone), and not before its writes have ended.
 *
 * "In progress" is made deterministic two ways: a first client that sends `Expect: 100-continue` and half its body
 * (chut answers `100 Continue` once the request's hooks have run: its slot is taken), or a store whose importList
 * waits for the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createHttpServer, createMetrics, type HttpServer, type Metrics } from '../../src/http/index.js';
import { createLogger } from '../../src/logger.js';
import { createMemoryStore } from '../../src/reputation/index.js';
import type { ReputationStore } from '../../src/reputation/types.js';
import type { ScreeningService } from '../../src/screening/types.js';
import { RawClient as Client, type RawAnswer as Answer } from '../helpers/raw-http.js';
import { until } from '../helpers/until.js';

const TOKEN = 'slots-token-0123456789abcdef';

/**
 * A memory store whose importList, while `hold()` is in force, waits until `release()`. `honoursSignal`: it then
 * stops when the import's time limit aborts it (as the Redis store does, undoing); otherwise it goes on regardless (a
 * write, or an undo, that outlasts the route's own bound). `failNext()`: the next importList fails as a Redis refusing
 * writes would.
 */
function gatedStore(honoursSignal: boolean) {
  const store = createMemoryStore();
  let entered = 0;
  let ended = 0;
  let gate: Promise<void> | null = null;
  let open: () => void = () => undefined;
  let failing = false;
  const gated = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'importList') {
        return async (...args: Parameters<ReputationStore['importList']>) => {
          entered++;
          try {
            const signal = args[1]?.signal;
            const stopped = new Promise<never>((_, reject) => {
              if (honoursSignal) signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
            });
            if (gate) await Promise.race([gate, stopped]);
            if (failing) {
              failing = false;
              throw new Error('OOM command not allowed when used memory > \'maxmemory\'.');
            }
            return await target.importList(...args);
          } finally {
            ended++;
          }
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    store: gated,
    entered: () => entered,
    ended: () => ended,
    hold: () => { gate = new Promise((r) => { open = r; }); },
    release: () => { open(); gate = null; },
    failNext: () => { failing = true; },
    listed: async (e164: string) => (await store.getListEntry({ kind: 'number', e164 })).length > 0,
  };
}

/** A CSV of `n` numbers from +3361277<first>. */
function csv(n: number, first: number): string {
  return `number,reason\n${Array.from({ length: n }, (_, i) => number(first + i) + ',one at a time').join('\n')}\n`;
}
const number = (i: number): string => `+3361277${String(i).padStart(4, '0')}`;

function head(url: string, length: number, extra = ''): string {
  return `POST /api/import?format=csv&list=block HTTP/1.1\r\nHost: ${new URL(url).host}\r\nAuthorization: Bearer ${TOKEN}\r\n` +
    `Content-Type: text/csv\r\nContent-Length: ${length}\r\n${extra}\r\n`;
}

/** A whole import sent on a connection of its own. */
async function sendWhole(url: string, text: string): Promise<Client> {
  const client = await Client.open(url);
  client.write(head(url, Buffer.byteLength(text)) + text);
  return client;
}

function sample(text: string, name: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : null;
}

function expectRefused(a: Answer, inProgress = 'an import is'): void {
  expect(a.status).toBe(429);
  expect(a.headers['retry-after']).toBe('10');
  expect(a.headers['content-type']).toMatch(/^application\/json/);
  expect(a.headers['cache-control']).toBe('no-store');
  const body = JSON.parse(a.body) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['error', 'message']);
  expect(body.error).toBe('import-in-progress');
  expect(body.message).toMatch(new RegExp(`^${inProgress} already in progress.*\\(http\\.maxConcurrentImports\\); nothing was imported`));
}

describe('POST /api/import, at most http.maxConcurrentImports at once', () => {
  const lines: string[] = [];
  const logged = (msg: string): number => lines.filter((l) => String((JSON.parse(l) as { msg: unknown }).msg).startsWith(msg)).length;
  const gated = gatedStore(true);
  const outlasting = gatedStore(false);
  const two = gatedStore(true);
  const clients: Client[] = [];
  let metrics: Metrics;
  let http: HttpServer;
  let limitedHttp: HttpServer;
  let twoHttp: HttpServer;
  const server = (store: ReputationStore, over: { importTimeLimitMs?: number; maxConcurrentImports?: number; metrics?: Metrics } = {}) => createHttpServer({
    config: parseConfig({ http: { port: 0, token: TOKEN, maxConcurrentImports: over.maxConcurrentImports } }), screening: {} as ScreeningService,
    store, logger: createLogger('info', { write: (s: string) => { lines.push(s); } }), metrics: over.metrics ?? createMetrics(), adapters: [],
    importTimeLimitMs: over.importTimeLimitMs,
  });
  const open = async (url: string): Promise<Client> => {
    const c = await Client.open(url);
    clients.push(c);
    return c;
  };
  const whole = async (url: string, text: string): Promise<Answer> => {
    const client = await sendWhole(url, text);
    clients.push(client);
    return client.answer();
  };
  beforeAll(async () => {
    metrics = createMetrics();
    [http, limitedHttp, twoHttp] = await Promise.all([
      server(gated.store, { metrics }),
      // the route answers at 2 × 100 ms, its writes still running
      server(outlasting.store, { importTimeLimitMs: 100 }),
      server(two.store, { maxConcurrentImports: 2 }),
    ]);
  });
  afterAll(async () => {
    for (const s of [gated, outlasting, two]) s.release();
    for (const c of clients) c.socket.destroy();
    await Promise.all([http?.close(), limitedHttp?.close(), twoHttp?.close()]);
  });

  it('refuses a second import while the first is still arriving, before the second sends its body; takes one again once the first has ended', async () => {
    const first = csv(100, 0);
    const c1 = await open(http.url);
    c1.write(head(http.url, Buffer.byteLength(first), 'Expect: 100-continue\r\n'));
    await c1.continued();
    c1.write(first.slice(0, first.length / 2));

    // headers only: the answer comes without a byte of the body
    const second = csv(50, 1000);
    const c2 = await open(http.url);
    c2.write(head(http.url, Buffer.byteLength(second)));
    expectRefused(await c2.answer());
    expect(sample(await metrics.render(), 'chut_api_imports_refused_total')).toBe(1);

    c1.write(first.slice(first.length / 2));
    const a1 = await c1.answer();
    expect(a1.status).toBe(200);
    expect(JSON.parse(a1.body)).toMatchObject({ imported: 100 });
    // the refused file imported nothing, though the first import ran to its end meanwhile
    for (const i of [1000, 1025, 1049]) expect(await gated.listed(number(i))).toBe(false);

    const again = await whole(http.url, second);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toMatchObject({ imported: 50 });
    for (const i of [1000, 1025, 1049]) expect(await gated.listed(number(i))).toBe(true);
  });

  it('refuses one while the first is writing, still after its client hung up (its file is in, and applied), and takes one once it has ended', async () => {
    gated.hold();
    const entered = gated.entered();
    const c1 = await sendWhole(http.url, csv(30, 2000));
    clients.push(c1);
    await until(() => gated.entered() === entered + 1, 'the first import to start writing');
    expectRefused(await whole(http.url, csv(10, 2100)));

    const hangUps = logged('the import\'s client hung up');
    c1.socket.destroy();
    await until(() => logged('the import\'s client hung up') === hangUps + 1, 'the hang-up to be logged');
    expectRefused(await whole(http.url, csv(10, 2100)));

    const imports = logged('list imported (API), though its client hung up');
    gated.release();
    await until(() => logged('list imported (API), though its client hung up') === imports + 1, 'the first import to end');
    const a = await whole(http.url, csv(10, 2100));
    expect(a.status).toBe(200);
    expect(await gated.listed(number(2100))).toBe(true);
  });

  it('gives the slot back when the client hangs up before its file arrived whole', async () => {
    const text = csv(100, 3000);
    const c1 = await open(http.url);
    c1.write(head(http.url, Buffer.byteLength(text), 'Expect: 100-continue\r\n'));
    await c1.continued();
    c1.write(text.slice(0, text.lastIndexOf('\n', text.length / 2) + 1));
    const abandoned = logged('import abandoned');
    c1.socket.destroy();
    await until(() => logged('import abandoned') === abandoned + 1, 'the import to be abandoned');
    expect((await whole(http.url, csv(10, 3200))).status).toBe(200);
    expect(await gated.listed(number(3000))).toBe(false);
  });

  it('gives the slot back after a request refused (a file with a bad line, a bad query, 415, 413) and after a store failure (503)', async () => {
    expect((await whole(http.url, 'number\n+33612770000\nnot a number\n')).status).toBe(400);
    const c415 = await open(http.url);
    c415.write(head(http.url, 2).replace('text/csv', 'text/plain') + 'x\n');
    expect((await c415.answer()).status).toBe(415);
    expect((await whole(http.url, csv(10, 3900))).status).toBe(200);
    const badQuery = await open(http.url);
    badQuery.write(head(http.url, 2).replace('list=block', 'list=grey') + 'x\n');
    expect((await badQuery.answer()).status).toBe(400);
    const c413 = await open(http.url);
    c413.write(head(http.url, 21 * 1024 * 1024));
    expect((await c413.answer()).status).toBe(413);
    gated.failNext();
    const failed = await whole(http.url, csv(10, 4000));
    expect(failed.status).toBe(503);
    expect(await gated.listed(number(4000))).toBe(false);
    expect((await whole(http.url, csv(10, 4100))).status).toBe(200);
  });

  it('gives the slot back once the writes of an import answered at its time limit have ended, not at the answer', async () => {
    outlasting.hold();
    const late = await whole(limitedHttp.url, csv(10, 5000));
    expect(late.status).toBe(503);
    // the answer went out, the writes go on: the file is still in memory, and still being applied
    expect(outlasting.ended()).toBe(0);
    expectRefused(await whole(limitedHttp.url, csv(10, 5100)));
    outlasting.release();
    await until(() => outlasting.ended() === 1, 'the first import\'s writes to end');
    expect((await whole(limitedHttp.url, csv(10, 5100))).status).toBe(200);
  });

  it('takes as many at once as http.maxConcurrentImports says, and refuses the next', async () => {
    two.hold();
    const [c1, c2] = await Promise.all([sendWhole(twoHttp.url, csv(10, 6000)), sendWhole(twoHttp.url, csv(10, 6100))]);
    clients.push(c1, c2);
    await until(() => two.entered() === 2, 'two imports writing at once');
    expectRefused(await whole(twoHttp.url, csv(10, 6200)), '2 imports are');
    two.release();
    expect([(await c1.answer()).status, (await c2.answer()).status]).toEqual([200, 200]);
    expect((await whole(twoHttp.url, csv(10, 6200))).status).toBe(200);
  });
});
