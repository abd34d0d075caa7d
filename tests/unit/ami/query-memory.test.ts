/**
 * A busy Asterisk sends AMI events in full 64 KB reads, and a ChutQuery is one packet among many in such a read. A call
 * waiting for its captcha outcome (up to ami.callTimeoutMs when the outcome is lost) or a record kept through a Redis
 * outage must hold its own few fields, not the whole read they were cut from (V8 keeps a substring of 13 characters or
 * more as a slice of its parent string).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { toAmiEvent } from '../../../src/ami/events.js';
import { PacketReader } from '../../../src/ami/packet-reader.js';
import { createDialplanScreening } from '../../../src/ami/screening.js';
import { parseConfig } from '../../../src/config.js';
import { silentLogger } from '../../../src/logger.js';
import { createMemoryStore } from '../../../src/reputation/index.js';
import { parsePolicy } from '../../../src/rules/index.js';
import { createScreeningService } from '../../../src/screening/service.js';
import { chutEncode } from '../../../src/sim/ami/channel.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const CALLS = 100;
/** Other traffic in the same read: 100 kB of VarSet events (each line under the reader's 64 KiB cap). */
const OTHER_EVENTS = Array.from({ length: 10 }, () => `Event: VarSet\r\nValue: ${'v'.repeat(10_000)}\r\n\r\n`).join('');

/** One read off the socket: other events, then the ChutQuery, with the ids a real Asterisk gives (14+ characters). */
function readWithQuery(i: number): string {
  const uniqueid = `1764321234.${10_000 + i}`;
  return `${OTHER_EVENTS}Event: UserEvent\r\nChannel: PJSIP/trunk-${(0x1000 + i).toString(16).padStart(8, '0')}\r\n` +
    `Uniqueid: ${uniqueid}\r\nContext: chut-screen-incoming\r\nUserEvent: ChutQuery\r\nChutCaller: ${chutEncode('+33612345678')}\r\n` +
    `ChutName: ${chutEncode('Some caller name')}\r\nChutDialled: ${chutEncode('+33100000000')}\r\nChutWaitMs: 60000\r\nChutVersion: 2\r\n\r\n`;
}

describe('AMI: calls waiting on the dialplan', () => {
  it('hold their own fields, not the 100 kB reads their ChutQuery arrived in', async () => {
    const config = parseConfig({});
    const store = createMemoryStore();
    const screening = createScreeningService({
      store, policy: parsePolicy('version: 1\ndefault: captcha\nrules: []\n', 'test'), config, logger: silentLogger(),
    });
    const dialplan = createDialplanScreening({ config, screening, logger: silentLogger(), send: async () => undefined });
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < CALLS; i++) {
      // a fresh string per read, as one decoded off a socket
      const events = new PacketReader().push(Buffer.from(readWithQuery(i)).toString('utf8')).map(toAmiEvent);
      const query = events.find((e) => e?.type === 'chut-query');
      if (!query) throw new Error('no ChutQuery read');
      dialplan.handle(query);
    }
    await dialplan.idle();
    // every call waits for its captcha outcome
    expect(dialplan.size()).toBe(CALLS);
    gc();
    // each call pinning its read: over 10 MB; its own fields: a few kB a call
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(2_000_000);
    dialplan.close();
    await dialplan.idle();
  });
});
