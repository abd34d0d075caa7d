/**
 * The REST half of our ARI client: Node's fetch, Basic auth in a header (never in a URL), a timeout on every
 * request, and typed errors. A 404 on a channel that has gone is normal life: callers catch `AriHttpError`
 * and look at `status`.
 */

export class AriHttpError extends Error {
  override readonly name = 'AriHttpError';
  constructor(
    readonly status: number,
    /** Asterisk's `{"message": …}` text, or the status text. */
    readonly reason: string,
    readonly method: string,
    /** Path without query string (query values may carry caller data). */
    readonly path: string,
  ) {
    super(`ARI ${method} ${path}: ${status} ${reason}`);
  }
}

/** Transport failure: timeout, connection refused, reset. */
export class AriTransportError extends Error {
  override readonly name = 'AriTransportError';
  constructor(readonly method: string, readonly path: string, readonly detail: string) {
    super(`ARI ${method} ${path}: ${detail}`);
  }
}

export type Query = Record<string, string | number | readonly string[] | undefined>;

export interface AriRestOptions {
  /** Base URL, e.g. `http://127.0.0.1:8088` (we append `/ari`) or `http://host:8088/ari`. */
  url: string;
  user: string;
  password: string;
  timeoutMs: number;
}

export interface AriRest {
  request<T = unknown>(method: 'GET' | 'POST' | 'DELETE', path: string, query?: Query, timeoutMs?: number): Promise<T | undefined>;
  /** `http://host:port/ari` with any user info stripped: safe to log. */
  readonly baseUrl: string;
  readonly authHeader: string;
}

/** Normalises the configured URL to `<origin><path>/ari` without credentials. */
export function ariBaseUrl(configured: string): string {
  const u = new URL(configured);
  u.username = '';
  u.password = '';
  u.search = '';
  u.hash = '';
  const path = u.pathname.replace(/\/+$/, '');
  return `${u.origin}${path.endsWith('/ari') ? path : `${path}/ari`}`;
}

export function buildQuery(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value as readonly string[]) params.append(key, v);
    else params.append(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

async function readReason(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { message?: unknown };
    if (typeof body?.message === 'string') return body.message.slice(0, 200);
  } catch {
    // non-JSON error bodies (HTML 400) carry nothing more useful than the status text
  }
  return res.statusText;
}

export function createAriRest(opts: AriRestOptions): AriRest {
  const baseUrl = ariBaseUrl(opts.url);
  const authHeader = `Basic ${Buffer.from(`${opts.user}:${opts.password}`).toString('base64')}`;

  async function request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, query?: Query, timeoutMs = opts.timeoutMs): Promise<T | undefined> {
    let res: Response;
    try {
      res = await fetch(`${baseUrl}${path}${buildQuery(query)}`, {
        method,
        headers: { authorization: authHeader },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const e = err as Error;
      const detail = e.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : (e.cause as Error | undefined)?.message ?? e.message;
      throw new AriTransportError(method, path, detail);
    }
    if (!res.ok) throw new AriHttpError(res.status, await readReason(res), method, path);
    if (res.status === 204) return undefined;
    const type = res.headers.get('content-type') ?? '';
    if (!type.includes('json')) {
      await res.arrayBuffer();
      return undefined;
    }
    try {
      return (await res.json()) as T;
    } catch {
      throw new AriTransportError(method, path, 'unreadable JSON body');
    }
  }

  return { request, baseUrl, authHeader };
}
