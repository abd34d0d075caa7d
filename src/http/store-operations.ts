/**
 * The store operations the HTTP API runs (storeCall, storeWrite), by the name its messages, log lines and metrics give
 * them. Listed, so that the metrics can start each of their series at zero (metrics.ts).
 */
export const API_STORE_OPERATIONS = [
  'stats', 'calls', 'explain', 'report', 'addListEntry', 'removeListEntry', 'export', 'listOverlap', 'importList',
] as const;

export type ApiStoreOperation = (typeof API_STORE_OPERATIONS)[number];
