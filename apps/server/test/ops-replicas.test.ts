import type { Customer, Page } from '@tekana/contracts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAdminAndSignIn, newCustomerInput, type SignedIn, useTestServer } from './harness';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

// The replica here is the primary seen through a relay, so the test can take "the replica" away alone.
describe('with DATABASE_REPLICA_URLS set', () => {
  let replica: TcpProxy;
  beforeAll(async () => {
    replica = await startTcpProxy(inject('databaseUrl'));
  });
  afterAll(async () => {
    await replica?.close();
  });
  const server = useTestServer(() => ({ DATABASE_REPLICA_URLS: replica.rewrite(inject('databaseUrl')) }));
  // After-hooks run last registered first: the replica is back before the server stops.
  afterAll(async () => {
    await replica?.restore();
  });
  let admin: SignedIn;
  beforeAll(async () => {
    admin = await createAdminAndSignIn(server);
  });

  it('reads lists from the replica and writes to the primary', async () => {
    const input = newCustomerInput();
    expect((await server.rest('POST', '/customers/register', input)).status).toBe(201);
    const listed = await server.rest<Page<Customer>>(
      'GET',
      `/customers?email=${input.email}`,
      undefined,
      admin.token,
    );
    expect(listed.body.data.items).toHaveLength(1);

    await replica.cut();
    try {
      // Writes and the reads that must see them (login, me) stay on the primary...
      expect((await server.rest('POST', '/customers/register', newCustomerInput())).status).toBe(201);
      expect((await server.rest('GET', '/customers/me', undefined, admin.token)).status).toBe(200);
      // ...while a list, served by the replica, is unavailable until it returns.
      const unavailable = await server.rest('GET', '/customers', undefined, admin.token);
      expect(unavailable.status).toBe(503);
      expect(unavailable.body.data).toEqual({ code: 'SERVICE_UNAVAILABLE' });
    } finally {
      await replica.restore();
    }
    const again = await server.rest<Page<Customer>>(
      'GET',
      `/customers?email=${input.email}`,
      undefined,
      admin.token,
    );
    expect(again.status).toBe(200);
  });
});
