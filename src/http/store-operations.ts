/**
 * The store operations the HTTP API runs (storeCall, storeWrite), by the name its messages, log lines and metrics give
 * them. Listed, so that the metrics can start each of their series at zero (metrics.ts).
 */
export const API_STORE_OPERATIONS = [
  'stats', 'calls', 'explain', 'report', 'addListEntry', 'removeListEntry', 'export', 'listOverlap', 'importList',
] as const;

export type ApiStoreOperation = (typeof API_STORE_OPERATIONS)[number];

/** What a `500 internal` is counted under when it comes from no route that names its operation (/healthz, /metrics,
 * the dashboard's files, a path no route serves). */
export const OTHER_OPERATION = 'other';

/** The labels of `chut_api_internal_errors_total`: chut's own names, never a value from the request. */
export type InternalErrorOperation = ApiStoreOperation | typeof OTHER_OPERATION;

/** A route's operation, as its route config names it (`config: { operation: 'stats' }`): the name its `500 internal`
 * is counted under when its own code fails, outside its store calls. Only a name from the list passes. */
export function routeOperation(config: unknown): InternalErrorOperation {
  const named = (config as { operation?: unknown } | null | undefined)?.operation;
  return (API_STORE_OPERATIONS as readonly unknown[]).includes(named) ? named as ApiStoreOperation : OTHER_OPERATION;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The store operation the route runs: what its own failures are counted under (routeOperation). */
    operation?: ApiStoreOperation;
  }
}
