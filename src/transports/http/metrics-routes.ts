import type { FastifyInstance } from 'fastify';
import type { HttpDependencies } from './http-dependencies.ts';

// `GET /metrics` for Prometheus, plus the per-request counters behind it.

export function registerMetricsRoutes(server: FastifyInstance, dependencies: HttpDependencies): void {
  const { metrics } = dependencies;

  server.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });

  server.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
