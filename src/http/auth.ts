/**
 * Bearer-token access control. With a token configured, every route but the public ones (/healthz and the
 * dashboard's static files, which hold no data) needs `Authorization: Bearer <token>`. Without a token the
 * read routes stay open (chut binds to loopback by default) and the write routes answer 403 saying why.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
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

export function createAuthHook(token: string | null, boundHost: string) {
  const allowedHosts = new Set(['localhost', '127.0.0.1', '[::1]', boundHost.toLowerCase(), `[${boundHost.toLowerCase()}]`]);
  return async function authHook(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    if ((req.routeOptions.config as { public?: boolean } | undefined)?.public) return;
    if (token === null) {
      // Without a token the open read routes rely on the loopback bind: refuse other Host names so a web
      // page cannot read them through DNS rebinding.
      if (!allowedHosts.has(hostName(req.headers.host))) {
        throw new HttpError(403, 'forbidden-host', 'this chut has no API token: it answers only requests addressed to its own host name');
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
