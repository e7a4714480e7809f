import { randomBytes } from 'node:crypto';
import type { Wallet } from '@tekana/contracts';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminAndSignIn, floatWallet, registerAndSignIn, useTestServer } from './harness';

describe('a graceful shutdown while a posting is still running', () => {
  // Its own database: the notice it follows must be relayed by this server, not another test's.
  const server = useTestServer({}, { ownDatabase: true });
  let sql: postgres.Sql;
  beforeAll(() => {
    sql = postgres(server.env.DATABASE_URL ?? '', { max: 2, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end();
  });

  it('lets the posting commit and queue its SMS notice, even after its client has gone', async () => {
    const admin = await createAdminAndSignIn(server);
    const customer = await registerAndSignIn(server);
    const wallet = await server.rest<Wallet>(
      'POST',
      '/wallets',
      { walletTypeCode: 'PERSONAL', currencyCode: 'RWF' },
      customer.token,
    );
    const float = await floatWallet(server, admin);
    const externalReferenceNumber = `shutdown-${randomBytes(6).toString('hex')}`;

    // Another transaction holds the customer's wallet, so the deposit waits on its row lock.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holder = sql.begin(async (tx) => {
      await tx`select id from wallets where id = ${wallet.body.data.id} for update`;
      locked();
      await held;
    });
    await isLocked;

    const client = new AbortController();
    const deposit = fetch(`${server.url}/api/v1/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.token}` },
      body: JSON.stringify({
        externalReferenceNumber,
        transactionTypeCode: 'DEPOSIT',
        debitedWalletId: float.id,
        creditedWalletId: wallet.body.data.id,
        amount: 2_500,
      }),
      signal: client.signal,
    }).catch(() => 'aborted');
    await new Promise((r) => setTimeout(r, 300));
    client.abort();
    expect(await deposit).toBe('aborted');

    const since = server.gateway.posts.length;
    const stopped = server.close();
    await new Promise((r) => setTimeout(r, 300));
    release();
    await holder;
    await stopped;

    const [posting] =
      await sql`select amount from transactions where external_reference_number = ${externalReferenceNumber}`;
    expect(Number(posting?.amount)).toBe(2_500);
    // The worker, still running, delivers the notice the posting queued after its client had gone.
    const notice = await server.gateway.waitFor(customer.customer.phoneNumber, since);
    expect(notice.message).toMatch(/2,500 RWF credited/);
  });
});
