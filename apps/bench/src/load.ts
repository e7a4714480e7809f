import autocannon from 'autocannon';

/** One request of the load: its JSON body and the bearer token it is sent with. */
export type NextRequest = () => { body: string; token: string };

export type LoadResult = {
  /** Responses with the expected status per second of the run. */
  rate: number;
  ok: number;
  p50Ms: number;
  p99Ms: number;
  statusCounts: Record<string, number>;
  /** Responses with another status, connection errors, timeouts: each should be 0. */
  unexpected: number;
  errors: number;
  timeouts: number;
  /** The first few distinct bodies of unexpected responses, to say why. */
  unexpectedSamples: string[];
  durationSeconds: number;
};

/** Drives `POST origin+path` with `connections` keep-alive connections for `durationSeconds`, a fresh body each time. */
export async function runLoad(options: {
  origin: string;
  path: string;
  connections: number;
  durationSeconds: number;
  expectedStatus: number;
  next: NextRequest;
}): Promise<LoadResult> {
  const samples = new Map<string, string>();
  const requests: autocannon.Request[] = [
    {
      method: 'POST',
      path: options.path,
      setupRequest: (request) => {
        const { body, token } = options.next();
        return {
          ...request,
          body,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        };
      },
      onResponse: (status, body) => {
        if (status === options.expectedStatus || samples.size >= 5) return;
        const key = `${status} ${body.slice(0, 300)}`;
        if (!samples.has(key)) samples.set(key, key);
      },
    },
  ];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(
      { url: options.origin, connections: options.connections, duration: options.durationSeconds, requests },
      (error, r) => (error ? reject(error) : resolve(r)),
    );
  });
  const statusCounts = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats.count ?? 0]),
  );
  const ok = statusCounts[String(options.expectedStatus)] ?? 0;
  const total = Object.values(statusCounts).reduce((a, b) => a + b, 0);
  const durationSeconds = (result.finish.getTime() - result.start.getTime()) / 1000;
  return {
    rate: ok / durationSeconds,
    ok,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    statusCounts,
    unexpected: total - ok,
    errors: result.errors,
    timeouts: result.timeouts,
    unexpectedSamples: [...samples.values()],
    durationSeconds,
  };
}
