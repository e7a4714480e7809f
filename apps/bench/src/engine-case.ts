import { createLedgerService, systemClock } from '@tekana/api';
import { createDatabase } from '@tekana/db';
import { transferBody } from './cases';
import { percentile } from './percentile';
import type { Measurement } from './report';
import type { BenchLedger } from './seed';

/**
 * The posting engine called in this process, without HTTP: `connections` callers each posting random
 * transfers back to back for `durationSeconds`. What the ledger costs apart from the web stack.
 */
export async function measureEngineInProcess(
  databaseUrl: string,
  ledger: BenchLedger,
  tag: string,
  load: { connections: number; durationSeconds: number },
): Promise<Measurement> {
  const database = createDatabase({ databaseUrl, dataDir: '', maxConnections: 10 });
  const ledgerService = createLedgerService({
    database,
    clock: systemClock,
    limitsTimeZone: 'Africa/Kigali',
  });
  const latencies: number[] = [];
  let refused = 0;
  let sequence = 0;
  const deadline = Date.now() + load.durationSeconds * 1000;
  const started = performance.now();
  async function caller() {
    while (Date.now() < deadline) {
      const { customerId, body } = transferBody(ledger, `bench-${tag}-engine-${++sequence}`, 'random');
      const t0 = performance.now();
      try {
        await ledgerService.post({ id: customerId, role: 'CUSTOMER' }, body);
        latencies.push(performance.now() - t0);
      } catch {
        refused++;
      }
    }
  }
  try {
    await Promise.all(Array.from({ length: load.connections }, caller));
  } finally {
    await database.close();
  }
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    name: 'engine in process (no HTTP)',
    rate: latencies.length / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    peakRssMb: null,
    ok: latencies.length,
    notOk: refused,
    errors: 0,
  };
}
