/**
 * The HTTP server (Fastify, logging through the pino logger it is given): the API, /metrics, /healthz and the
 * dashboard. Binds `config.http.host:port` (127.0.0.1:8787 by default; port 0 picks a free port).
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { isLoopbackAddress } from '../peer-allow-list.js';
import { createAuthHook } from './auth.js';
import { watchConnections } from './connections.js';
import { clientGoneSignal, routeContext, type HttpDeps } from './context.js';
import { createErrorHandler, HttpError } from './errors.js';
import { registerExpectContinue } from './expect-continue.js';
import { registerHostRequired } from './host-required.js';
import { registerNotFound } from './not-found.js';
import { registerResponseStall, RESPONSE_STALL_MS } from './response-stall.js';
import { CSP, PERMISSIONS_POLICY, registerDashboard } from './routes/dashboard.js';
import { registerHealth } from './routes/health.js';
import { registerListRoutes } from './routes/lists.js';
import { registerMetrics } from './routes/metrics.js';
import { registerReadRoutes } from './routes/read.js';
import { registerReportRoutes } from './routes/reports.js';
import { registerTransferRoutes } from './routes/transfer.js';
import { answerClientError, HEADERS_TIMEOUT_MS, nodeRequestTimeout, registerRequestLimits, REQUEST_LIMITS, type RequestLimits } from './request-limits.js';
import { typedBodyValidators } from './validation.js';

export interface HttpServer {
  url: string;
  /** Stops listening; the requests being answered get CLOSE_GRACE_MS to finish, every other connection ends at once. */
  close(): Promise<void>;
}

/**
 * How long closing lets the answers in progress finish before their connections are cut: the store's own bound on a
 * request (5 s, context.ts), so that an answer waiting for Redis still gets its 503. An import still arriving is cut.
 */
export const CLOSE_GRACE_MS = 5000;

/** The headers every answer carries, the dashboard's and the API's alike (Node's own refusals included). */
const SECURITY_HEADERS: ReadonlyArray<[string, string]> = [
  ['content-security-policy', CSP],
  ['permissions-policy', PERMISSIONS_POLICY],
  ['x-content-type-options', 'nosniff'],
  ['referrer-policy', 'no-referrer'],
  ['x-frame-options', 'DENY'],
  // A page of another site that opens the dashboard gets no handle on its window, and none may load chut's answers
  // (scripts, CSV, JSON) as its own resources: everything chut serves is for chut's own page.
  ['cross-origin-opener-policy', 'same-origin'],
  ['cross-origin-resource-policy', 'same-origin'],
];

function securityHeaders(reply: FastifyReply): void {
  for (const [name, value] of SECURITY_HEADERS) reply.header(name, value);
}

/**
 * URLs Fastify refuses before any route runs (a broken %-escape, a parameter over 128 characters): the same JSON
 * errors and headers as every other answer, and the URL is never echoed back whole.
 */
function frameworkError(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  // no hook runs for these: the onSend hook below, which sets no-store, included
  reply.header('cache-control', 'no-store');
  securityHeaders(reply);
  const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
  void reply.code(tooLong ? 414 : 400).send({
    error: tooLong ? 'too-large' : 'bad-request',
    message: tooLong ? 'a path parameter is longer than 128 characters' : 'the URL is not valid (a broken %-escape?)',
  });
}

function buildApp(deps: HttpDeps) {
  const limits: RequestLimits = { ...REQUEST_LIMITS, ...deps.requestLimits };
  const httpLogger = deps.logger.child({ component: 'http' });
  const app = Fastify({
    frameworkErrors: frameworkError,
    // Typed as Fastify's base logger so the route modules take a plain FastifyInstance; it is our pino child.
    loggerInstance: httpLogger as unknown as FastifyBaseLogger,
    // One debug line per request (onResponse below) instead of Fastify's two info lines.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    routerOptions: { maxParamLength: 128 },
    // Unknown body or query fields are an error the caller should hear about, not something to drop silently.
    ajv: { customOptions: { removeAdditional: false } },
    // JSON bodies are validated without type coercion ({"force": "true"} is refused); URL text keeps it.
    schemaController: { compilersFactory: { buildValidator: typedBodyValidators() } },
    // A backstop: each request's body has its own limit, the import's longer (request-limits.ts).
    requestTimeout: nodeRequestTimeout(limits),
    // Node's own refusals (malformed request, headers too large or too slow) in the documented shape and headers.
    clientErrorHandler: (err, socket) => answerClientError(err, socket, SECURITY_HEADERS, httpLogger, connections.latestAnswer(socket)),
    // Node's refusal of an HTTP/1.1 request without Host is a bare 400: host-required.ts makes the same check
    http: { requireHostHeader: false },
  });
  app.server.headersTimeout = HEADERS_TIMEOUT_MS;
  // the answers in progress on each connection: for closing within a bound, and for a refusal after a good request
  const connections = watchConnections(app.server, () => app.close());
  // An API route that takes no query parameters refuses any (`?kind=allow` on a report must not silently mean spam).
  // Registered before the routes so every one of them passes through it; /metrics and the dashboard stay lenient
  // (scrapers and caches add parameters of their own).
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/') || route.schema?.querystring) return;
    route.schema = { ...route.schema, querystring: { type: 'object', additionalProperties: false, properties: {} } };
  });
  // 404, or 405 with Allow for a path that exists under other methods; learns the routes as they are registered.
  registerNotFound(app);
  const ctx = routeContext(deps);
  app.setErrorHandler(createErrorHandler(deps.metrics));
  // every request knows when its client went away: storeCall stops the store operations run for nobody
  app.decorateRequest('clientGone', null as unknown as AbortSignal);
  app.addHook('onRequest', async (req, reply) => {
    req.clientGone = clientGoneSignal(reply.raw);
  });
  // an answer its client stopped reading is not kept in memory for ever, refused ones included
  registerResponseStall(app, deps.responseStallMs ?? RESPONSE_STALL_MS);
  // before the auth hook: a refused request's body is watched too
  registerRequestLimits(app, limits, (req) => req.method === 'POST' && req.routeOptions.url === '/api/import');
  // an HTTP/1.1 request without Host is refused first, as Node would (in the documented JSON)
  registerHostRequired(app);
  // `100 Continue` once the hooks below (token, import slots) and the body parser's own checks have let the request
  // in: a refusal goes out instead of it, and the body is never asked for
  registerExpectContinue(app);
  app.addHook('onRequest', createAuthHook(deps.config.http.token));
  app.addHook('onSend', async (_req, reply, payload) => {
    // API answers carry lists, callers and names behind a token: never kept by a browser or a proxy. Decided on the
    // answer, not on the URL as spelt (`/%61pi/export` is routed to /api/export): every answer that sets no caching of
    // its own gets no-store; only the dashboard's files, which hold no data, set theirs.
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    securityHeaders(reply);
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    req.log.debug({ method: req.method, url: req.routeOptions.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });
  registerHealth(app, ctx);
  registerMetrics(app, ctx);
  registerReadRoutes(app, ctx);
  registerListRoutes(app, ctx);
  registerReportRoutes(app, ctx);
  registerTransferRoutes(app, ctx);
  registerDashboard(app);
  return { app, connections };
}

export async function createHttpServer(deps: HttpDeps): Promise<HttpServer> {
  const { app, connections } = buildApp(deps);
  const { host, port } = deps.config.http;
  await app.listen({ host, port });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new HttpError(500, 'internal', 'HTTP server has no TCP address');
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}`;
  deps.logger.info({ url, auth: deps.config.http.token ? 'token' : 'none (reads from this machine only, writes disabled)' }, 'HTTP API listening');
  if (!deps.config.http.token && !isLoopbackAddress(address.address)) {
    // e.g. a container: the dashboard behind the published port would answer 403 with no other clue
    deps.logger.warn({ url }, 'HTTP API listens beyond loopback without a token: it answers only clients on this machine (set http.token or CHUT_API_TOKEN)');
  }
  return { url, close: () => connections.close(deps.closeGraceMs ?? CLOSE_GRACE_MS) };
}
