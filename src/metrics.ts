import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

// Prometheus metrics for GET /metrics. One registry per app instance (tests build several).

export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route'>;
  readonly activeStreams: Gauge;
  readonly streamedTokens: Counter;
  readonly turns: Counter<'finish_reason'>;
  readonly wsConnections: Gauge<'protocol'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cai_process_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'cai_http_requests_total',
      help: 'HTTP requests answered, by route template and status.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'cai_http_request_duration_seconds',
      help: 'Time to answer an HTTP request (to the last byte for non-streamed responses).',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    activeStreams: new Gauge({
      name: 'cai_active_streams',
      help: 'Model replies being streamed right now.',
      registers: [registry],
    }),
    streamedTokens: new Counter({
      name: 'cai_streamed_tokens_total',
      help: 'Text deltas streamed from models to clients.',
      registers: [registry],
    }),
    turns: new Counter({
      name: 'cai_turns_total',
      help: 'Conversation turns ended, by finish reason.',
      labelNames: ['finish_reason'],
      registers: [registry],
    }),
    wsConnections: new Gauge({
      name: 'cai_ws_connections',
      help: 'Open WebSocket connections, by protocol.',
      labelNames: ['protocol'],
      registers: [registry],
    }),
  };
}
