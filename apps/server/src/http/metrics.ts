import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export type Metrics = { registry: Registry; observe: RequestHandler };

/** Prometheus metrics: process defaults plus request latency by route and status. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const observe: RequestHandler = (req, res, next) => {
    const end = duration.startTimer({ method: req.method });
    res.on('finish', () => {
      // The mount point, not the full path, keeps the label set small (ids would explode it).
      const route = `${req.baseUrl}${req.route?.path ?? ''}` || req.path.split('/').slice(0, 4).join('/');
      end({ route, status: String(res.statusCode) });
    });
    next();
  };
  return { registry, observe };
}
