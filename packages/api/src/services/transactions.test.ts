import { createDatabase } from '@tekana/db';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestbed, outcomeOf, posting, type Testbed } from '../../test/ledger-testbed';

const database = createDatabase({ databaseUrl: inject('databaseUrl'), dataDir: '' });
let bed: Testbed;

beforeAll(async () => {
  bed = await createTestbed(database);
});
afterAll(async () => {
  await database.close();
});

/** Alice (funded) sends Bob three transfers; Carol is a stranger to both. */
async function threeTransfers() {
  const alice = await bed.fundedCustomer(10_000);
  const bob = await bed.fundedCustomer(0);
  const carol = await bed.fundedCustomer(0);
  const sent = [];
  for (const amount of [100, 200, 300]) {
    sent.push(
      await bed.services.ledger.post(
        alice.customer,
        posting('TRANSFER', alice.wallet.id, bob.wallet.id, amount, bed.ref()),
      ),
    );
  }
  return { alice, bob, carol, sent };
}

describe('listing transactions', () => {
  it('shows a customer only the postings that touch their wallets', async () => {
    const { alice, bob, carol, sent } = await threeTransfers();
    const ids = sent.map((t) => t.id).reverse();
    const alices = await bed.services.transactions.list(alice.customer, { limit: 100 });
    // Alice's deposit too: it credited her wallet.
    expect(alices.items.map((t) => t.id).slice(0, 3)).toEqual(ids);
    expect(alices.items).toHaveLength(4);
    const bobs = await bed.services.transactions.list(bob.customer, { limit: 100 });
    expect(bobs.items.map((t) => t.id)).toEqual(ids);
    expect(
      (await bed.services.transactions.list(carol.customer, { walletId: alice.wallet.id })).items,
    ).toEqual([]);
  });

  it('lists a posting between two wallets of one customer once, and under either wallet', async () => {
    const { customer, wallet } = await bed.fundedCustomer(1_000);
    const savings = await bed.openWallet(customer);
    const moved = await bed.services.ledger.post(
      customer,
      posting('TRANSFER', wallet.id, savings.id, 400, bed.ref()),
    );
    const ids = async (filters: Parameters<typeof bed.services.transactions.list>[1]) =>
      (await bed.services.transactions.list(customer, filters)).items.map((t) => t.id);
    const all = await ids({});
    expect(all).toHaveLength(2);
    expect(all[0]).toBe(moved.id);
    expect(await ids({ walletId: savings.id })).toEqual([moved.id]);
    expect(await ids({ walletId: wallet.id })).toEqual(all);
  });

  it("lists for a customer who names another's wallet only the postings between it and their own", async () => {
    const { alice, bob, sent } = await threeTransfers();
    const stranger = await bed.fundedCustomer(500);
    await bed.services.ledger.post(
      stranger.customer,
      posting('TRANSFER', stranger.wallet.id, bob.wallet.id, 50, bed.ref()),
    );
    const seen = await bed.services.transactions.list(alice.customer, { walletId: bob.wallet.id });
    expect(seen.items.map((t) => t.id)).toEqual(sent.map((t) => t.id).reverse());
    // Bob's side of each is his: Alice sees her own balance only.
    expect(seen.items.every((t) => t.creditedWalletBalance === null && t.debitedWalletBalance !== null)).toBe(
      true,
    );
  });

  it("answers NOT_FOUND when a customer asks for another's posting by id", async () => {
    const { bob, carol, sent } = await threeTransfers();
    const id = sent[0]?.id ?? '';
    expect((await bed.services.transactions.get(bob.customer, id)).id).toBe(id);
    expect((await bed.services.transactions.get(bed.admin, id)).id).toBe(id);
    expect(await outcomeOf(bed.services.transactions.get(carol.customer, id))).toBe('NOT_FOUND');
  });

  it('filters on wallet, side, amount and amount range, type, status, channel and references', async () => {
    const { alice, bob, sent } = await threeTransfers();
    const list = (filters: Parameters<typeof bed.services.transactions.list>[1]) =>
      bed.services.transactions
        .list(bed.admin, { walletId: bob.wallet.id, ...filters })
        .then((p) => p.items.map((t) => t.amount));
    expect(await list({})).toEqual([300, 200, 100]);
    expect(await list({ amount: 200 })).toEqual([200]);
    expect(await list({ minAmount: 150 })).toEqual([300, 200]);
    expect(await list({ minAmount: 150, maxAmount: 250 })).toEqual([200]);
    expect(await list({ creditedWalletId: bob.wallet.id, debitedWalletId: alice.wallet.id })).toEqual([
      300, 200, 100,
    ]);
    expect(await list({ debitedWalletId: bob.wallet.id })).toEqual([]);
    expect(
      await list({ transactionTypeId: sent[0]?.transactionTypeId, status: 'COMPLETED', channelType: 'APP' }),
    ).toHaveLength(3);
    expect(await list({ channelType: 'USSD' })).toEqual([]);
    expect(await list({ currencyCode: 'USD' })).toEqual([]);
    expect(await list({ referenceNumber: sent[1]?.referenceNumber })).toEqual([200]);
    expect(await list({ externalReferenceNumber: sent[2]?.externalReferenceNumber })).toEqual([300]);
    expect(await list({ id: sent[0]?.id })).toEqual([100]);
  });

  it('filters on the creation time, both ends included', async () => {
    const { bob, sent } = await threeTransfers();
    const first = new Date(sent[0]?.createdAt ?? '');
    const last = new Date(sent[2]?.createdAt ?? '');
    const between = await bed.services.transactions.list(bed.admin, {
      walletId: bob.wallet.id,
      createdFrom: first,
      createdTo: last,
    });
    expect(between.items).toHaveLength(3);
    const after = await bed.services.transactions.list(bed.admin, {
      walletId: bob.wallet.id,
      createdFrom: new Date(last.getTime() + 1),
    });
    expect(after.items).toEqual([]);
  });

  it('finds a reversal by reversalOf and the original by status REVERSED', async () => {
    const { bob, sent } = await threeTransfers();
    const original = sent[0]?.id ?? '';
    const reversal = await bed.services.ledger.reverse(bed.admin, { id: original });
    expect(
      (await bed.services.transactions.list(bob.customer, { reversalOf: original })).items.map((t) => t.id),
    ).toEqual([reversal.id]);
    expect(
      (await bed.services.transactions.list(bob.customer, { status: 'REVERSED' })).items.map((t) => t.id),
    ).toEqual([original]);
  });

  it('pages newest first with a cursor, and still with the old page and pageSize', async () => {
    const { alice } = await threeTransfers();
    const all = (await bed.services.transactions.list(alice.customer, { limit: 100 })).items.map((t) => t.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await bed.services.transactions.list(alice.customer, { limit: 1, cursor });
      seen.push(...page.items.map((t) => t.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(all);
    const second = await bed.services.transactions.list(alice.customer, { page: 2, pageSize: 2 });
    expect(second.items.map((t) => t.id)).toEqual(all.slice(2, 4));
    expect(await outcomeOf(bed.services.transactions.list(alice.customer, { cursor: 'not-a-cursor' }))).toBe(
      'BAD_REQUEST',
    );
  });
});
