/**
 * Bearer-token access control. With a token configured, every route but the public ones (/healthz and the
 * dashboard's static files, which hold no data) needs `Authorization: Bearer <token>`. Without a token the
 * read routes answer clients on this machine only (loopback source address and host name) and the write routes
 * answer 403 saying why: bound to 0.0.0.0 without a token, chut still answers no client on the network. (A reverse
 * proxy on the same machine is a local client: putting one in front of a token-less chut is the admin's choice.)
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isLoopbackAddress } from '../peer-allow-list.js';
import { HttpError } from './errors.js';

const WRITE_METHODS = new Set(['POST', 'PUT', 'DELETE', 'PATCH']);

/** Hashing both sides first gives equal lengths, so the comparison time says nothing about the token. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function bearerToken(header: string | undefined): string | null {
  const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header ?? '');
  return m ? (m[1] as string) : null;
}

/** Host names a browser uses for a loopback server; anything else reaching a token-less chut is suspect. */
function hostName(hostHeader: string | undefined): string {
  const h = (hostHeader ?? '').toLowerCase();
  return h.startsWith('[') ? h.slice(0, h.indexOf(']') + 1) : (h.split(':')[0] ?? '');
}


const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function createAuthHook(token: string | null) {
  return async function authHook(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    if ((req.routeOptions.config as { public?: boolean } | undefined)?.public) return;
    if (token === null) {
      // The source address, not the Host header (any client can write that): bound to 0.0.0.0 without a token,
      // chut must not hand its call records to the LAN.
      if (!isLoopbackAddress(req.socket.remoteAddress)) {
        throw new HttpError(403, 'token-required', 'this chut has no API token (http.token or CHUT_API_TOKEN): it answers only clients on its own machine');
      }
      // A page in a local browser can still reach loopback through DNS rebinding: refuse other Host names.
      if (!LOOPBACK_HOSTS.has(hostName(req.headers.host))) {
        throw new HttpError(403, 'forbidden-host', 'this chut has no API token: it answers only requests addressed to localhost, 127.0.0.1 or [::1]');
      }
      // A write method on no route is not a write: it falls through to 404, or 405 on a read route.
      if (WRITE_METHODS.has(req.method) && !req.is404) {
        throw new HttpError(403, 'writes-disabled', 'no API token is configured (http.token or CHUT_API_TOKEN): write routes are disabled');
      }
      return;
    }
    const given = bearerToken(req.headers.authorization);
    if (given === null || !sameSecret(given, token)) {
      reply.header('www-authenticate', 'Bearer realm="chut"');
      throw new HttpError(401, 'unauthorized', given === null ? 'missing bearer token (Authorization: Bearer <token>)' : 'wrong bearer token');
    }
  };
}
