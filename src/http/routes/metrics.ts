/** GET /metrics: Prometheus text format; adapter gauges are refreshed at each scrape. */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../context.js';

export function registerMetrics(app: FastifyInstance, ctx: RouteContext): void {
  app.get('/metrics', async (_req, reply) => {
    for (const a of ctx.adapters) ctx.metrics.setAdapterStatus(a.name, a.status());
    const text = await ctx.metrics.render();
    return reply.type(ctx.metrics.contentType).send(text);
  });
}
