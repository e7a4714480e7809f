import { describe, expect, it } from 'vitest';
import type { Db } from './handle';
import { createReplicaReads, parseWalPosition, sharedPositionReads } from './replica-reads';

// A stand-in database that names itself when a query is built on it, so a test sees where `reader` went.
const named = (name: string) => ({ select: () => name }) as unknown as Db;
const whereReads = (reads: { reader: Db }) => reads.reader.select() as unknown as string;

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('WAL positions', () => {
  it('reads 16/B374D848 as the integer 0x16B374D848 and orders positions as Postgres does', () => {
    expect(parseWalPosition('16/B374D848')).toBe(0x16b374d848n);
    expect(parseWalPosition('0/3000000') < parseWalPosition('0/3015FC0')).toBe(true);
    expect(parseWalPosition('1/0') > parseWalPosition('0/FFFFFFFF')).toBe(true);
    expect(() => parseWalPosition('nonsense')).toThrow(/not a WAL position/);
  });
});

describe("reading the primary's position", () => {
  it('shares one read among the calls made while another is out, started after all of them', async () => {
    const reads: ReturnType<typeof deferred<bigint>>[] = [];
    const positionAfterNow = sharedPositionReads(() => {
      const read = deferred<bigint>();
      reads.push(read);
      return read.promise;
    }, 0);
    const first = positionAfterNow();
    const [second, third] = [positionAfterNow(), positionAfterNow()];
    // The read out may have started before the later calls' commits: they wait for the next one.
    expect(second).toBe(third);
    expect(reads).toHaveLength(1);
    reads[0]?.resolve(10n);
    expect(await first).toBe(10n);
    await new Promise((r) => setTimeout(r, 5));
    expect(reads).toHaveLength(2);
    reads[1]?.resolve(12n);
    expect([await second, await third]).toEqual([12n, 12n]);
  });

  it('starts reads at least the gap apart, however many writers ask', async () => {
    let reads = 0;
    const positionAfterNow = sharedPositionReads(async () => BigInt(++reads), 50);
    await positionAfterNow();
    const started = performance.now();
    await Promise.all(Array.from({ length: 20 }, () => positionAfterNow()));
    expect(reads).toBe(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });
});

describe('routing reads between the replicas and the primary', () => {
  function replicaSet(replayed: Record<string, () => Promise<string | null>>) {
    const asked: string[] = [];
    const replicas = Object.entries(replayed).map(([name, position]) => ({
      db: named(name),
      replayedPosition: () => {
        asked.push(name);
        return position();
      },
    }));
    const reads = createReplicaReads(
      { db: named('primary'), position: async () => '0/500' },
      replicas as [(typeof replicas)[number]],
    );
    return { reads, asked };
  }

  it('sends a read with no pin to a replica', () => {
    const { reads } = replicaSet({ replica: async () => '0/100' });
    expect(whereReads(reads)).toBe('replica');
  });

  it('pins a read to a replica that has replayed the position, else to the primary', async () => {
    const { reads } = replicaSet({ behind: async () => '0/100', ahead: async () => '0/600' });
    expect(await reads.readAtLeast(0x500n, async () => whereReads(reads))).toBe('ahead');
    const { reads: lagging } = replicaSet({ behind: async () => '0/100' });
    expect(await lagging.readAtLeast(0x500n, async () => whereReads(lagging))).toBe('primary');
  });

  it('counts a replica that fails to answer, or is no standby, as behind', async () => {
    const { reads } = replicaSet({
      down: () => Promise.reject(new Error('ECONNREFUSED')),
      promoted: async () => null,
    });
    expect(await reads.readAtLeast(1n, async () => whereReads(reads))).toBe('primary');
  });

  it('asks a replica its position at most every 100 ms, and not again once it is known to be past', async () => {
    let position = '0/100';
    const { reads, asked } = replicaSet({ replica: async () => position });
    expect(await reads.readAtLeast(0x200n, async () => whereReads(reads))).toBe('primary');
    position = '0/300';
    expect(await reads.readAtLeast(0x200n, async () => whereReads(reads))).toBe('primary');
    expect(asked).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 110));
    expect(await reads.readAtLeast(0x200n, async () => whereReads(reads))).toBe('replica');
    expect(await reads.readAtLeast(0x150n, async () => whereReads(reads))).toBe('replica');
    expect(asked).toHaveLength(2);
  });

  it('keeps the pin of each request to itself, however they interleave', async () => {
    const { reads } = replicaSet({ replica: async () => '0/300' });
    await reads.readAtLeast(0x100n, async () => undefined);
    const gate = deferred<void>();
    const [late, early] = await Promise.all([
      reads.readAtLeast(0x900n, async () => {
        await gate.promise;
        return whereReads(reads);
      }),
      reads.readAtLeast(0x100n, async () => {
        gate.resolve();
        return whereReads(reads);
      }),
    ]);
    expect([late, early]).toEqual(['primary', 'replica']);
  });
});
