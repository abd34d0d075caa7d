/**
 * Requests no route takes: 405 with `Allow` when the path exists under other methods (`DELETE /api/stats`),
 * 404 otherwise. Fastify's router only says "nothing for this method and path", so the not-found handler asks it
 * again, method by method, for the same path. The methods come from the routes as they are registered, so a new
 * route needs nothing here.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';

/** The order `Allow` lists methods in (GET before its HEAD); any other method follows, alphabetically. */
const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function byUsualOrder(a: string, b: string): number {
  const rank = (m: string) => (METHOD_ORDER.includes(m) ? METHOD_ORDER.indexOf(m) : METHOD_ORDER.length);
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** The path without its query string, short enough to echo in a message. */
function shownPath(url: string): string {
  return (url.split('?')[0] ?? '').slice(0, 100);
}

/**
 * Must be called before any route is registered: it learns the methods in use from the `onRoute` hook (Fastify's
 * automatic HEAD routes included).
 */
export function registerNotFound(app: FastifyInstance): void {
  const methodsInUse = new Set<HTTPMethods>();
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) methodsInUse.add(method);
  });

  /** The methods under which some route matches this request's path (parameters included). */
  function allowedMethods(req: FastifyRequest): string[] {
    return [...methodsInUse]
      .filter((method) => method !== req.method && app.findRoute({ method, url: req.url }) !== null)
      .sort(byUsualOrder);
  }

  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
    const path = shownPath(req.url);
    const allow = allowedMethods(req);
    if (allow.length > 0) {
      return reply.code(405).header('allow', allow.join(', '))
        .send({ error: 'method-not-allowed', message: `${req.method} is not allowed on ${path}: use ${allow.join(', ')}` });
    }
    return reply.code(404).send({ error: 'not-found', message: `no route ${req.method} ${path}` });
  });
}
