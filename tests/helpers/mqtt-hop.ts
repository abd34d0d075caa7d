/**
 * A TCP hop between MQTT clients and a broker (the local Mosquitto), for tests:
 * - `cut()` drops every connection as a dying process's is (no DISCONNECT, so the broker publishes the last will) and
 *   refuses new ones until `heal()`;
 * - `hold()` keeps back what clients send instead of passing it to the broker (a congested uplink: nothing is
 *   acknowledged), until `release()` passes it on, in order. A client sends only its CONNECT before the broker's first
 *   answer (CONNACK), so a connection is held only once the broker has answered it: a client reconnecting while held
 *   gets connected, and what it sends next is held.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface MqttHop {
  /** `mqtt://127.0.0.1:<port>`: point the client here. */
  readonly url: string;
  hold(): void;
  /** What clients sent since `hold()` and is held, all connections together: to wait for a packet to reach the hop. */
  held(): Buffer;
  release(): void;
  cut(): Promise<void>;
  heal(): Promise<void>;
  close(): Promise<void>;
}

interface Hop { client: Socket; broker: Socket; answered: boolean; held: Buffer[] }

export async function startMqttHop(brokerUrl: string): Promise<MqttHop> {
  const target = new URL(brokerUrl);
  const hops = new Set<Hop>();
  let holding = false;
  const server = createServer((client) => {
    const hop: Hop = { client, broker: connect(Number(target.port || 1883), target.hostname), answered: false, held: [] };
    hops.add(hop);
    client.on('data', (d: Buffer) => {
      // once one chunk is held, the next ones queue behind it: the broker gets them in order
      if ((holding && hop.answered) || hop.held.length > 0) hop.held.push(d);
      else hop.broker.write(d);
    });
    hop.broker.on('data', (d: Buffer) => {
      hop.answered = true;
      if (!client.destroyed) client.write(d);
    });
    const gone = () => { hops.delete(hop); client.destroy(); hop.broker.destroy(); };
    for (const s of [client, hop.broker]) s.on('close', gone).on('error', gone);
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  const stopListening = () => new Promise<void>((resolve) => {
    for (const hop of hops) { hop.client.destroy(); hop.broker.destroy(); }
    if (server.listening) server.close(() => resolve());
    else resolve();
  });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    hold() { holding = true; },
    held: () => Buffer.concat([...hops].flatMap((hop) => hop.held)),
    release() {
      holding = false;
      for (const hop of hops) if (hop.held.length > 0) hop.broker.write(Buffer.concat(hop.held.splice(0)));
    },
    cut: stopListening,
    async heal() {
      if (!server.listening) await listen(port);
    },
    close: stopListening,
  };
}
