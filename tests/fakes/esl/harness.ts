/** Shared set-up for the ESL protocol tests: chut's real wiring (startChut) against the fake FreeSWITCH. */
import { parseConfig } from '../../../src/config.js';
import { silentLogger, type Logger } from '../../../src/logger.js';
import { parsePolicy } from '../../../src/rules/index.js';
import { startChut, type RunningChut } from '../../../src/app.js';
import { FakeFreeSwitch } from './index.js';
import { removeKeys, testRedisUrl, uniquePrefix } from '../../helpers/redis.js';
import { TEST_DEADLINE_MS } from '../../helpers/test-deadline.js';
import type { SimulatedCall } from '../../../src/sim/types.js';

/** Routes by the dialled extension so each test picks its route; the block list rejects. */
export const POLICY = `
version: 1
mode: enforce
timezone: Europe/Paris
default: ring
rules:
  - name: blocklist
    when: { list: block }
    action: reject
  - name: spoofed
    when: { verstat: [TN-Validation-Failed] }
    action: reject
  - name: trusted
    when: { trusted: true }
    action: ring
  - name: captcha-line
    when: { dialled: ['2001'] }
    action: captcha
  - name: voicemail-line
    when: { dialled: ['2002'] }
    action: voicemail
  - name: reject-line
    when: { dialled: ['2003'] }
    action: reject
`;

/** The users the fake FreeSWITCH knows: a voicemail box for each line the policy routes by (the default mailbox is
 * the dialled number), plus the one `routes.voicemailMailbox` tests name. */
export const TEST_DIRECTORY = [{ id: '2001' }, { id: '2002' }, { id: 'family' }];

export interface Harness {
  sim: FakeFreeSwitch;
  chut: RunningChut;
  url: string;
  prefix: string;
  close(): Promise<void>;
}

/** `policy` replaces POLICY; `logger` receives chut's logs (silent by default). */
export interface HarnessOptions {
  policy?: string;
  logger?: Logger;
}

export async function startHarness(overrides: Record<string, unknown> = {}, simOpts: ConstructorParameters<typeof FakeFreeSwitch>[0] = {},
  opts: HarnessOptions = {}): Promise<Harness> {
  const sim = new FakeFreeSwitch({ mediaMs: 10, directory: TEST_DIRECTORY, ...simOpts });
  await sim.start();
  const url = await testRedisUrl();
  const prefix = uniquePrefix('esl');
  const base = sim.chutConfig() as { esl: Record<string, unknown> & { inbound: Record<string, unknown> } };
  const { esl: eslOver, ...rest } = overrides as { esl?: Record<string, unknown> & { inbound?: Record<string, unknown> } };
  const config = parseConfig({
    ...rest,
    // `esl.inbound` settings are added to the simulator's (its port and password), not put in their place
    esl: { ...base.esl, ...eslOver, inbound: { ...base.esl.inbound, ...eslOver?.inbound } },
    store: 'redis', redis: { url, prefix }, http: { enabled: false },
    captcha: { attempts: 2, firstDigitTimeoutMs: 1000, interDigitTimeoutMs: 500, ...((rest as { captcha?: object }).captcha) },
    screening: { deadlineMs: TEST_DEADLINE_MS, ...((rest as { screening?: object }).screening) },
  });
  const chut = await startChut({ config, policy: parsePolicy(opts.policy ?? POLICY, 'test'), logger: opts.logger ?? silentLogger(), http: false });
  await sim.waitForChut();
  return {
    sim, chut, url, prefix,
    async close() {
      await chut.stop();
      await sim.stop();
      await removeKeys(url, prefix);
    },
  };
}

let n = Math.floor(Math.random() * 9e6);
/** A fresh valid French mobile number per call (+33 61…), so trust and scores never leak between tests. */
export function freshNumber(): string {
  n = (n + 7919) % 1e7;
  return `+3361${String(n).padStart(7, '0')}`;
}

export function call(over: Partial<SimulatedCall>): SimulatedCall {
  return { callerNumber: freshNumber(), callerName: 'Someone', dialled: '1000', behaviour: { kind: 'silent' }, maxDurationMs: 8000, ...over };
}

/** The stored record of a call, polled (records are written just after the route). */
export async function recordOf(h: Harness, callId: string, timeoutMs = 5000): Promise<Awaited<ReturnType<RunningChut['store']['calls']>>['calls'][number] | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const page = await h.chut.store.calls({ limit: 200 });
    const found = page.calls.find((c) => c.callId === callId);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 25));
  }
  return undefined;
}
