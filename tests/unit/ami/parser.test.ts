/**
 * Parsing the byte streams a real Asterisk 22 sent (tests/fixtures/asterisk/*.rx.raw): the simulator's codec
 * must reproduce them byte for byte, and chut's edge (its packet reader + toAmiEvent) must see the same packets
 * as asterisk-manager (which chut used before) did, turn them into the right typed events however the bytes are
 * chunked, and survive what made that library crash or freeze.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import Manager from 'asterisk-manager';
import { AmiProtocolError, MAX_LINE_CHARS, MAX_PACKET_CHARS, MAX_PACKET_LINES, PacketReader as ChutReader, type AmiPacket } from '../../../src/ami/packet-reader.js';
import { toAmiEvent, type AmiEvent } from '../../../src/ami/events.js';
import { chutEncode } from '../../../src/sim/ami/channel.js';
import { BANNER, PacketReader, serialize } from '../../../src/sim/ami/wire.js';

const DIR = new URL('../../fixtures/asterisk/', import.meta.url);
const RAW = readdirSync(DIR).filter((f) => f.endsWith('.rx.raw'));
const raw = (name: string) => readFileSync(new URL(name, DIR), 'utf8');

/** chut's reader fed `bytes` in `chunk`-character pieces; every packet it completes. */
function throughChut(bytes: string, chunk: number): AmiPacket[] {
  const reader = new ChutReader();
  const packets: AmiPacket[] = [];
  for (let i = 0; i < bytes.length; i += chunk) packets.push(...reader.push(bytes.slice(i, i + chunk)));
  return packets;
}

/** Streams `bytes` from a loopback server into asterisk-manager, in `chunk`-byte pieces; returns every parsed packet. */
async function throughLibrary(bytes: string, chunk: number): Promise<AmiPacket[]> {
  const expected = bytes.split('\r\n\r\n').length - 1;
  const server = createServer((socket) => {
    let i = 0;
    const pump = () => {
      if (i >= bytes.length) return;
      socket.write(bytes.slice(i, i + chunk));
      i += chunk;
      setImmediate(pump);
    };
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const m = Manager(undefined, '127.0.0.1', 'chut', 'x', true);
  const packets: AmiPacket[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`parsed ${packets.length}/${expected}`)), 10_000);
      m.on('rawevent', (p: AmiPacket) => {
        packets.push(p);
        if (packets.length === expected) { clearTimeout(timer); resolve(); }
      });
      m.connect(port, '127.0.0.1');
    });
  } finally {
    m.disconnect();
    await new Promise((r) => server.close(r));
  }
  return packets;
}

const events = (packets: AmiPacket[]): AmiEvent[] => packets.map(toAmiEvent).filter((e): e is AmiEvent => e !== null);

describe('the simulator codec against the recorded streams', () => {
  it.each(RAW)('%s: banner + packets re-serialise byte for byte', (name) => {
    const bytes = raw(name);
    expect(bytes.startsWith(BANNER)).toBe(true);
    const packets = new PacketReader({ banner: true }).push(bytes);
    expect(packets.length).toBe(bytes.split('\r\n\r\n').length - 1);
    expect(BANNER + packets.map(serialize).join('')).toBe(bytes);
  });

  it('gives the same packets whatever the chunking', () => {
    const bytes = raw('ami-captcha-dtmf.chut.rx.raw');
    const whole = new PacketReader({ banner: true }).push(bytes);
    for (const size of [1, 7, 333]) {
      const reader = new PacketReader({ banner: true });
      const parts = [];
      for (let i = 0; i < bytes.length; i += size) parts.push(...reader.push(bytes.slice(i, i + size)));
      expect(parts).toEqual(whole);
    }
  });

  it('keeps repeated headers in order (a UserEvent repeats Uniqueid: snapshot first, then custom)', () => {
    const packets = new PacketReader({ banner: true }).push(raw('ami-inbound-call-events.chut.rx.raw'));
    const ue = packets.find((p) => p.some(([n, v]) => n === 'UserEvent' && v === 'ChutQuery'));
    expect(ue?.filter(([n]) => n === 'Uniqueid').map(([, v]) => v)).toEqual(['1795889272.3', '1795889272.3']);
  });

  it('drops a packet that grows past the limit and recovers at the next one', () => {
    const reader = new PacketReader({ maxPacketBytes: 100 });
    const out = reader.push(`Event: Big\r\nData: ${'x'.repeat(500)}\r\n\r\nEvent: Small\r\n\r\n`);
    expect(out).toEqual([[['Event', 'Small']]]);
    expect(reader.dropped).toBe(1);
  });
});

describe("chut's edge: its packet reader + toAmiEvent on the recorded streams", () => {
  it.each(RAW)('%s: the same packets as asterisk-manager read, in any chunking', async (name) => {
    const bytes = raw(name);
    const library = await throughLibrary(bytes, 65_536);
    expect(library.length).toBe(bytes.split('\r\n\r\n').length - 1);
    for (const size of [1, 5, 4096, 65_536]) expect(throughChut(bytes, size), `chunks of ${size}`).toEqual(library);
  });

  it('turns the recorded call into typed events: query, dial, answer, bridge, hangup with cause', async () => {
    const evs = events(throughChut(raw('ami-inbound-call-events.chut.rx.raw'), 1024));
    expect(evs[0]).toEqual({ type: 'fully-booted' });
    expect(evs.find((e) => e.type === 'chut-query')).toEqual({
      type: 'chut-query', channel: 'Local/0100000000@from-pstn-ami-00000001;2', uniqueid: '1795889272.3',
      callerNumber: '+33162000000', callerName: 'TELEMARKETING', dialled: '0100000000', verstat: null, waitMs: 2000,
      context: 'from-pstn-ami', version: 1, // recorded with a harness dialplan that sent no ChutVersion
    });
    const inbound = evs.filter((e) => 'uniqueid' in e && e.uniqueid === '1795889272.3').map((e) => e.type);
    expect(inbound).toEqual(['new-channel', 'chut-query', 'dial-begin', 'dial-end', 'bridge-enter', 'hangup']);
    expect(evs).toContainEqual({ type: 'dial-end', uniqueid: '1795889272.3', destChannel: 'Local/100@phone-sim-00000002;1', dialStatus: 'ANSWER' });
    expect(evs).toContainEqual({ type: 'hangup', channel: 'Local/0100000000@from-pstn-ami-00000001;2', uniqueid: '1795889272.3', cause: 16, causeText: 'Normal Clearing', context: 'chut-allow', exten: 's', up: true });
  });

  it('reads the caller DTMF of the captcha recording (Direction: Received) in order', async () => {
    const evs = events(throughChut(raw('ami-captcha-dtmf.chut.rx.raw'), 4096));
    const digits = evs.filter((e): e is Extract<AmiEvent, { type: 'dtmf' }> => e.type === 'dtmf' && e.end).map((e) => e.digit).join('');
    expect(digits).toBe('1234');
  });

  it('login streams: FullyBooted only when events are on', async () => {
    expect(events(throughChut(raw('ami-login-and-banner.ami1.rx.raw'), 64))).toEqual([{ type: 'fully-booted' }]);
    expect(events(throughChut(raw('ami-login-and-banner.ami2.rx.raw'), 64))).toEqual([]);
  });
});

describe('toAmiEvent on hostile packets', () => {
  const base: AmiPacket = { event: 'UserEvent', channel: 'PJSIP/trunk-00000001', uniqueid: '1.5', userevent: 'ChutQuery' };
  const enc = chutEncode;

  it('decodes our base64 headers, so commas and CR/LF in a name arrive intact and inert', () => {
    const ev = toAmiEvent({ ...base, chutcaller: enc('+33612345678'), chutname: enc('A, B\r\nAction: Ping'), chutdialled: enc('0100000000'), chutwaitms: '2000' });
    expect(ev).toMatchObject({ type: 'chut-query', callerNumber: '+33612345678', callerName: 'A, B\r\nAction: Ping', waitMs: 2000 });
  });

  it('a forged second copy of our header is ignored; the snapshot Uniqueid wins over a custom one', () => {
    const ev = toAmiEvent({ ...base, uniqueid: ['1.5', '9.9'], chutname: [enc('real'), enc('forged')], calleridname: 'Snapshot' });
    expect(ev).toMatchObject({ uniqueid: '1.5', callerName: 'Snapshot' });
  });

  it("reads the IVR's outcomes, prompt-failed (its instructions did not play) included", () => {
    for (const outcome of ['passed', 'failed', 'timeout', 'hung-up', 'prompt-failed']) {
      expect(toAmiEvent({ ...base, userevent: 'ChutCaptcha', chutoutcome: outcome }))
        .toEqual({ type: 'chut-captcha', channel: 'PJSIP/trunk-00000001', uniqueid: '1.5', outcome });
    }
  });

  it('reads the route the dialplan took (ChutRouted), and nothing else in its place', () => {
    for (const route of ['ring', 'voicemail', 'reject']) {
      expect(toAmiEvent({ ...base, userevent: 'ChutRouted', chutroute: route }))
        .toEqual({ type: 'chut-routed', channel: 'PJSIP/trunk-00000001', uniqueid: '1.5', route });
    }
    for (const bad of ['captcha', 'hung-up', '', 'RING', ['ring', 'reject']]) {
      expect(toAmiEvent({ ...base, userevent: 'ChutRouted', chutroute: bad }), String(bad)).toBeNull();
    }
    expect(toAmiEvent({ ...base, userevent: 'ChutRouted' })).toBeNull();
  });

  it('ChutVersion: 2 says the dialplan reports its route; absent or anything else, version 1', () => {
    expect(toAmiEvent({ ...base, chutversion: '2' })).toMatchObject({ type: 'chut-query', version: 2 });
    expect(toAmiEvent({ ...base, chutversion: '1' })).toMatchObject({ version: 1 });
    for (const odd of [undefined, '', '0', '2.0', 'two', ['2', '2']]) {
      const p: AmiPacket = odd === undefined ? base : { ...base, chutversion: odd };
      expect(toAmiEvent(p), String(odd)).toMatchObject({ version: 1 });
    }
  });

  it('a channel entering Stasis() (ARI mode) is recognised from its Newexten', () => {
    expect(toAmiEvent({ event: 'Newexten', channel: 'PJSIP/t-1', uniqueid: '4.2', application: 'Stasis', appdata: 'chut,inbound' }))
      .toEqual({ type: 'stasis-start', channel: 'PJSIP/t-1', uniqueid: '4.2', app: 'chut' });
    expect(toAmiEvent({ event: 'Newexten', channel: 'PJSIP/t-1', uniqueid: '4.2', application: 'Wait', appdata: '1' })).toBeNull();
  });

  it('refuses unusable packets instead of guessing', () => {
    expect(toAmiEvent({ ...base, uniqueid: '../../etc' })).toBeNull();
    expect(toAmiEvent({ ...base, channel: '' })).toBeNull();
    expect(toAmiEvent({ ...base, chutcaller: '!!!' })).toMatchObject({ callerNumber: '' });
    expect(toAmiEvent({ ...base, chutcaller: Buffer.from('no underscore').toString('base64') })).toMatchObject({ callerNumber: '' });
    expect(toAmiEvent({ ...base, chutname: enc('') })).toMatchObject({ callerName: '' });
    expect(toAmiEvent({ ...base, userevent: 'ChutCaptcha', chutoutcome: 'exploded' })).toBeNull();
    expect(toAmiEvent({ ...base, userevent: 'ChutCaptcha', chutoutcome: ['passed', 'prompt-failed'] })).toBeNull();
    expect(toAmiEvent({ event: 'Hangup', uniqueid: '' })).toBeNull();
    expect(toAmiEvent({ response: 'Success' })).toBeNull();
  });
});

describe('hostile event names', () => {
  it('an Event named after an Object.prototype member is ignored, never called', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(() => toAmiEvent({ event: name } as unknown as AmiPacket)).not.toThrow();
      expect(toAmiEvent({ event: name } as unknown as AmiPacket)).toBeNull();
    }
  });
});

/** Characters the searches for a line end ('\n') made while `fn` ran could read: what scanning for lines costs. */
function charsSearchedForLineEnds(fn: () => void): number {
  const indexOf = String.prototype.indexOf;
  let searched = 0;
  String.prototype.indexOf = function (this: string, search: string, from?: number): number {
    if (search === '\n') searched += this.length - Math.max(0, Math.trunc(from ?? 0));
    return indexOf.call(this, search, from);
  };
  try {
    fn();
  } finally {
    String.prototype.indexOf = indexOf;
  }
  return searched;
}

describe('what crashed or froze asterisk-manager', () => {
  it('a line or a packet that never ends is a protocol error, not memory and time spent re-reading it', () => {
    // the bounds written as the README writes counts (a warning's reason)
    expect(() => new ChutReader().push(`Event: x\r\nData: ${'y'.repeat(70_000)}`)).toThrow(new AmiProtocolError('a line longer than 65,536 characters'));
    expect(() => new ChutReader().push('Foo: bar\r\n'.repeat(2000))).toThrow(new AmiProtocolError('a packet of more than 1,000 lines'));
    // fed a line at a time, the work stays linear: 1,000 lines of a packet in small chunks
    const reader = new ChutReader();
    for (let i = 0; i < 999; i++) expect(reader.push('Foo: bar\r\n')).toEqual([]);
    expect(reader.push('\r\n')).toHaveLength(1);
  });

  it('the packets a read completes before a line or a packet past the bounds come with the error, whatever came before', () => {
    // the client hands them over before it drops the connection: a ChutQuery read with the garbage is still screened
    const query = 'Event: UserEvent\r\nUserEvent: ChutQuery\r\nUniqueid: 1.1\r\n\r\n';
    const expected = new ChutReader().push(query);
    expect(expected).toHaveLength(1);
    const breaking = [
      `Event: x\r\nData: ${'y'.repeat(70_000)}\r\n`, // a line too long, ended
      `Event: x\r\nData: ${'y'.repeat(70_000)}`, // a line too long, not ended
      'Foo: bar\r\n'.repeat(1001), // a packet too long
    ];
    for (const [i, tail] of breaking.entries()) {
      for (const cut of [0, 5, query.length]) {
        const reader = new ChutReader();
        // the query's first characters in an earlier read (held as a line begun), or none, or the whole query
        const before = reader.push(query.slice(0, cut));
        let refused: unknown = null;
        try {
          reader.push(query.slice(cut) + tail);
        } catch (err) {
          refused = err;
        }
        expect(refused, `case ${i}, cut at ${cut}`).toBeInstanceOf(AmiProtocolError);
        expect([...before, ...(refused as AmiProtocolError).packets], `case ${i}, cut at ${cut}`).toEqual(expected);
      }
    }
  });

  it('a long line that comes a character at a time is searched once, not once per character (quadratic)', () => {
    // a 60 KB channel variable from a slow or hostile peer, one byte per read: ~0.75 s of CPU when every read re-scanned
    // the line so far (1.8 billion characters)
    const value = 'v'.repeat(60_000);
    const bytes = `Event: VarSet\r\nValue: ${value}\r\n\r\n`;
    const reader = new ChutReader();
    const packets: AmiPacket[] = [];
    const searched = charsSearchedForLineEnds(() => { for (const c of bytes) packets.push(...reader.push(c)); });
    expect(packets).toEqual([{ event: 'VarSet', value }]);
    expect(searched).toBeLessThan(3 * bytes.length);
  });

  it('gives the same packets however a stream is cut in two, a CR and its LF apart included', () => {
    const bytes = raw('ami-login-and-banner.ami1.rx.raw');
    const whole = new ChutReader().push(bytes);
    expect(whole.length).toBe(bytes.split('\r\n\r\n').length - 1);
    for (let at = 0; at <= bytes.length; at++) {
      const reader = new ChutReader();
      expect([...reader.push(bytes.slice(0, at)), ...reader.push(bytes.slice(at))], `cut at ${at}`).toEqual(whole);
    }
  });

  it('takes the longest line allowed whichever read its CR and its LF come in', () => {
    const value = 'v'.repeat(MAX_LINE_CHARS - 'Value: '.length);
    const line = `Value: ${value}`;
    expect(new ChutReader().push(`${line}\r\n\r\n`)).toEqual([{ value }]);
    const reader = new ChutReader();
    expect(reader.push(`${line}\r`)).toEqual([]);
    expect(reader.push('\n\r\n')).toEqual([{ value }]);
    // one character more is too long, however it comes
    expect(() => new ChutReader().push(`${line}v\r\n`)).toThrow(AmiProtocolError);
    const longer = new ChutReader();
    expect(() => { longer.push(`${line}v\r`); longer.push('\n'); }).toThrow(AmiProtocolError);
  });

  it('refuses a packet of long lines past MAX_PACKET_CHARS, and takes one just under it', () => {
    const line = `Variable: X=${'v'.repeat(MAX_LINE_CHARS - 12)}`;
    const fit = Math.floor(MAX_PACKET_CHARS / line.length);
    expect(fit).toBeLessThan(MAX_PACKET_LINES); // the line bound alone would take the packet
    const under = new ChutReader().push(`Event: VarSet\r\n${`${line}\r\n`.repeat(fit - 1)}\r\n`);
    expect(under).toHaveLength(1);
    const reader = new ChutReader();
    // a good packet first, read in the same chunk: handed over with the refusal
    const refusal = (() => {
      try {
        reader.push(`Event: FullyBooted\r\n\r\nEvent: VarSet\r\n${`${line}\r\n`.repeat(fit + 1)}\r\n`);
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(refusal).toBeInstanceOf(AmiProtocolError);
    expect((refusal as AmiProtocolError).message).toBe('a packet of more than 1,048,576 characters');
    expect((refusal as AmiProtocolError).packets).toEqual([{ event: 'FullyBooted' }]);
  });

  it('a repeated UserEvent header or an event named like an internal one are just packets', () => {
    const [repeated, internal] = new ChutReader().push('Event: UserEvent\r\nUserEvent: a\r\nUserEvent: b\r\n\r\nEvent: rawevent\r\n\r\n');
    expect(repeated).toMatchObject({ event: 'UserEvent', userevent: ['a', 'b'] });
    expect(internal).toMatchObject({ event: 'rawevent' });
    expect(toAmiEvent(repeated as AmiPacket)).toBeNull();
    expect(toAmiEvent(internal as AmiPacket)).toBeNull();
  });
});
