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

export function createAuthHook(token: string | null) {
  return async function authHook(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    if ((req.routeOptions.config as { public?: boolean } | undefined)?.public) return;
    if (token === null) {
      if (WRITE_METHODS.has(req.method)) {
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
