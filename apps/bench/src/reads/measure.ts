import { percentile } from '../percentile';

/** One request of a read: a GET path under the origin, and whose token it carries. */
export type ReadRequest = { path: string; token: string };

export type ReadFigures = {
  requests: number;
  perSecond: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
};

/**
 * `concurrency` readers, each sending the next request as soon as its last answer is read, for
 * `seconds`; every latency is from sending to the last byte of the answer, in ms. A warm-up of the
 * same length first (a tenth of it) is not counted: it fills Postgres' and the server's caches.
 */
export async function measureRead(
  origin: string,
  next: () => ReadRequest,
  options: { concurrency: number; seconds: number },
): Promise<ReadFigures & { firstError?: string }> {
  await run(origin, next, options.concurrency, Math.max(1, options.seconds / 10));
  const began = performance.now();
  const { latencies, errors, firstError } = await run(origin, next, options.concurrency, options.seconds);
  const elapsed = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => round(percentile(latencies, q));
  return {
    requests: latencies.length,
    perSecond: Math.round(latencies.length / elapsed),
    errors,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    ...(firstError ? { firstError } : {}),
  };
}

async function run(origin: string, next: () => ReadRequest, concurrency: number, seconds: number) {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const deadline = performance.now() + seconds * 1000;
  const reader = async () => {
    while (performance.now() < deadline) {
      const { path, token } = next();
      const sent = performance.now();
      const response = await fetch(`${origin}${path}`, { headers: { authorization: `Bearer ${token}` } });
      const body = await response.text();
      latencies.push(performance.now() - sent);
      if (response.status !== 200) {
        errors++;
        firstError ??= `${response.status} ${path}: ${body.slice(0, 200)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, reader));
  return { latencies, errors, firstError };
}

const round = (ms: number) => Math.round(ms * 100) / 100;
