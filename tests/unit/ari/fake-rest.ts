/** A REST double for the ARI unit tests: records each request; `reply` picks per request an HTTP status to fail
 * with, 'timeout' for a transport error, null for Asterisk's 204, or `{ body }` for a 200 with that JSON body. */
import { AriHttpError, AriTransportError, type AriRest, type Query } from '../../../src/ari/rest.js';

export interface Sent { method: string; path: string; query: Query | undefined }

export function fakeRest(reply: (s: Sent, n: number) => number | 'timeout' | null | { body: unknown } = () => null): { rest: AriRest; sent: Sent[] } {
  const sent: Sent[] = [];
  const rest: AriRest = {
    baseUrl: 'http://x/ari',
    authHeader: 'Basic x',
    close: () => undefined,
    async request(method, path, query) {
      const s = { method, path, query };
      sent.push(s);
      const r = reply(s, sent.length);
      if (r === 'timeout') throw new AriTransportError(method, path, 'timed out after 2000 ms');
      if (typeof r === 'number') throw new AriHttpError(r, 'failure', method, path);
      return (r?.body ?? undefined) as never;
    },
  };
  return { rest, sent };
}

export const CH = '1795889353.33';
export const channel = { id: CH, name: 'PJSIP/trunk-1', state: 'Up', caller: { name: 'A', number: '+33162000000' }, dialplan: { context: 'chut-screen', exten: '0100000000', priority: 3 } };
