import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { useMigratedDatabase } from '../test/migrated-database';
import { applyPlannedBalances } from './ledger';
import { findFloatWallet } from './seed';

// The posting engine sends its writes, the check of its wallets and COMMIT in one round trip: a transaction
// commits only if every statement before its COMMIT succeeded, in both runtime modes.
describe.each(['postgres', 'embedded'] as const)('transact with a pipelined commit (%s)', (kind) => {
  const database = useMigratedDatabase(kind, { label: 'transact', verifyLedger: false });
  beforeAll(async () => {
    await database().transact((run) => run('create table probe (id integer primary key)'));
  });

  const probes = async () =>
    (await database().transact((run) => run('select id from probe order by id'))).map((r) => Number(r.id));

  it('commits the statements sent before the commit, without waiting for their answers first', async () => {
    await database().transact((run, commit) =>
      Promise.all([run('insert into probe values (1)'), run('insert into probe values (2)'), commit()]),
    );
    expect(await probes()).toEqual([1, 2]);
  });

  it('commits nothing when a statement ahead of the commit fails', async () => {
    const attempt = database().transact((run, commit) =>
      Promise.all([run('insert into probe values (3)'), run('insert into probe values (1)'), commit()]),
    );
    await expect(attempt).rejects.toThrow(/duplicate key/);
    expect(await probes()).toEqual([1, 2]);
  });

  it('commits nothing when a wallet does not end as the plan says', async () => {
    const float = await findFloatWallet(database().db, 'RWF');
    if (!float) throw new Error('the seed makes an RWF FLOAT wallet');
    const { id, currentBalance } = float;
    const move = (balance: number) =>
      database().transact((run, commit) =>
        Promise.all([
          run('insert into probe values (4)'),
          applyPlannedBalances(run, new Map([[id, { delta: -5, balance }]])),
          commit(),
        ]),
      );
    await expect(move(currentBalance - 4)).rejects.toThrow(/drifted from its plan/);
    expect(await probes()).toEqual([1, 2]);
    expect((await findFloatWallet(database().db, 'RWF'))?.currentBalance).toBe(currentBalance);
    // As planned, the same statements commit.
    await move(currentBalance - 5);
    expect(await probes()).toEqual([1, 2, 4]);
    expect((await findFloatWallet(database().db, 'RWF'))?.currentBalance).toBe(currentBalance - 5);
  });

  // A settled statement outlives its transaction for a while (the posting engine's batches were promoted
  // whole to the old generation through them: patches/postgres@3.4.9.patch, query.js); it must not keep
  // the transaction's work, and all that work captured (a batch's requests), alive with it.
  it('lets go of the work given to it once done, while its statements are still referenced', async () => {
    setFlagsFromString('--expose-gc');
    const collect = runInNewContext('gc') as () => void;
    let kept: Promise<unknown>[] = [];
    let captured: WeakRef<object> | undefined;
    await (async () => {
      const batch = { requests: Array.from({ length: 100 }, (_, i) => ({ i })) };
      captured = new WeakRef(batch);
      await database().transact((run, commit) => {
        kept = [run('select $1::int as n', [batch.requests.length]), commit()];
        return Promise.all(kept);
      });
    })();
    for (let i = 0; i < 3 && captured?.deref(); i++) {
      await new Promise((r) => setImmediate(r));
      collect();
    }
    // The statements are still referenced here (read after the collections), the work is not.
    expect(kept).toHaveLength(2);
    expect(captured?.deref()).toBeUndefined();
  });

  it('refuses a statement after the commit, which would run outside the transaction', async () => {
    const attempt = database().transact(async (run, commit) => {
      await commit();
      await run('insert into probe values (5)');
    });
    await expect(attempt).rejects.toThrow(/after the commit/);
    expect(await probes()).toEqual([1, 2, 4]);
  });
});
