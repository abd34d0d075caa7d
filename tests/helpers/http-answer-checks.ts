/**
 * What every answer of chut's HTTP API must be, whatever was asked (tests/protocol/http-fuzz.test.ts): never a 5xx
 * (the fuzzed store stays healthy), the headers every answer carries, every 4xx the documented JSON `{error, message}`
 * (src/http/README.md, Errors), and nothing it must not hold: a stack trace, a secret. Each check returns what is wrong,
 * in words, so that a fuzz run can report every problem with the case that caused it.
 */
import type { ExchangeAnswer } from './http-exchange.js';

/** The documented error codes by status. */
export const ERROR_CODES: Readonly<Record<number, readonly string[]>> = {
  400: ['bad-request'], 401: ['unauthorized'], 403: ['token-required', 'writes-disabled', 'forbidden-host'], 404: ['not-found'],
  405: ['method-not-allowed'], 408: ['request-timeout'], 413: ['too-large'], 414: ['too-large'], 415: ['unsupported-media-type'],
  417: ['expectation-failed'], 429: ['import-in-progress', 'export-in-progress'], 431: ['too-large'],
};
/** Fields a 400 may carry beside error and message: a list edit's `needsForce`, an import's `stats`. */
const EXTRA_FIELDS = new Set(['needsForce', 'stats']);
const STACK = /\n\s+at \S|\bat (?:async )?\S+ \((?:file:|node:|\/)|node:internal|node_modules\/|\.ts:\d+:\d+/;
const SECURITY_HEADERS = ['content-security-policy', 'permissions-policy', 'x-content-type-options', 'cross-origin-opener-policy', 'cross-origin-resource-policy'];

/** The dashboard's own files: code, where a stack trace's shape may appear as text. */
export function isDashboardFile(a: ExchangeAnswer): boolean {
  return a.status === 200 && /^text\/(?:html|javascript|css)/.test(a.headers['content-type'] ?? '');
}

/** `secrets`: text no answer may hold (the API token when the request did not carry it elsewhere, Redis's URL and
 * password). `method`: the request's, a HEAD's answers having no body. */
export function answerProblems(a: ExchangeAnswer, method: string, secrets: ReadonlyArray<[name: string, value: string]>): string[] {
  const problems: string[] = [];
  const text = `${a.head}\r\n\r\n${a.body}`;
  if (a.status >= 500) problems.push(`answered ${a.status} ${a.body.slice(0, 200)}`);
  for (const [name, value] of secrets) if (text.includes(value)) problems.push(`the answer holds ${name}`);
  if (!isDashboardFile(a) && STACK.test(a.body)) problems.push(`the answer holds a stack trace: ${a.body.slice(0, 200)}`);
  for (const h of SECURITY_HEADERS) if (!(h in a.headers)) problems.push(`${a.status} without ${h}`);
  if (a.status >= 400 && a.status < 500) problems.push(...errorShapeProblems(a, method));
  return problems;
}

function errorShapeProblems(a: ExchangeAnswer, method: string): string[] {
  const problems: string[] = [];
  if (!/^application\/json/.test(a.headers['content-type'] ?? '')) problems.push(`${a.status} with content-type ${a.headers['content-type']}`);
  if (a.headers['cache-control'] !== 'no-store') problems.push(`${a.status} with cache-control ${a.headers['cache-control']}`);
  if (a.status === 405 && !a.headers.allow) problems.push('405 without Allow');
  if (a.status === 401 && !/^Bearer/.test(a.headers['www-authenticate'] ?? '')) problems.push('401 without WWW-Authenticate: Bearer');
  if (method === 'HEAD') return problems; // no body to check
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(a.body) as Record<string, unknown>;
  } catch {
    return [...problems, `${a.status} whose body is not JSON: ${JSON.stringify(a.body.slice(0, 100))}`];
  }
  const codes = ERROR_CODES[a.status];
  if (!codes) problems.push(`an undocumented status ${a.status}`);
  else if (!codes.includes(body.error as string)) problems.push(`${a.status} with error ${JSON.stringify(body.error)}`);
  if (typeof body.message !== 'string' || body.message === '') problems.push(`${a.status} without a message`);
  const extra = Object.keys(body).filter((k) => k !== 'error' && k !== 'message' && !(a.status === 400 && EXTRA_FIELDS.has(k)));
  if (extra.length > 0) problems.push(`${a.status} with fields ${extra.join(', ')}`);
  return problems;
}

/** An answer to a request without the API token, from a chut that has one: only the public routes may answer 2xx, the
 * dashboard's files and /healthz, which hold no data. */
export function tokenlessAnswerProblems(a: ExchangeAnswer, method: string): string[] {
  if (a.status >= 300 || isDashboardFile(a) || a.status === 204 || method === 'HEAD') return [];
  const type = a.headers['content-type'] ?? '';
  const health = type.startsWith('application/json') && /^\{"status":"(?:ok|unavailable)","store":/.test(a.body);
  return health ? [] : [`answered ${a.status} (${type}) without the token`];
}
