import type { PostingBatchFigures } from '@tekana/api';
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export type Metrics = {
  registry: Registry;
  observe: RequestHandler;
  /** One committed batch of the posting engine. */
  observePostingBatch(batch: PostingBatchFigures): void;
};

/** A batch's time and its round trips', from a key lookup's millisecond to a stalled disk's second. */
const BATCH_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** Prometheus metrics: process defaults, request latency by route and status, the posting engine's batches. */
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
  const batchSize = new Histogram({
    name: 'posting_batch_size',
    help: 'Postings per group-committed database transaction',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers: [registry],
  });
  const batchDuration = new Histogram({
    name: 'posting_batch_duration_seconds',
    help: 'Time from a batch taking its postings to its commit',
    buckets: BATCH_SECONDS_BUCKETS,
    registers: [registry],
  });
  // A slow batch says where it waited: for its locks and reads, or for its writes and the WAL flush.
  const batchTrip = new Histogram({
    name: 'posting_batch_trip_seconds',
    help: "A batch's round trips: 'lock' (BEGIN, the wallets' locks, the keys, the limits' usage), 'write' (the rows, balances, notices and COMMIT)",
    labelNames: ['trip'],
    buckets: BATCH_SECONDS_BUCKETS,
    registers: [registry],
  });
  return {
    registry,
    observe,
    observePostingBatch({ postings, seconds, lockSeconds, writeSeconds }) {
      batchSize.observe(postings);
      batchDuration.observe(seconds);
      batchTrip.observe({ trip: 'lock' }, lockSeconds);
      if (writeSeconds !== undefined) batchTrip.observe({ trip: 'write' }, writeSeconds);
    },
  };
}
