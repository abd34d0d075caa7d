/** The HTTP side of chut: API, Prometheus metrics, health and the dashboard. */
export { createMetrics, type Metrics, type MetricsSeed } from './metrics.js';
export { createHttpServer, type HttpServer } from './server.js';
export type { HttpDeps } from './context.js';
