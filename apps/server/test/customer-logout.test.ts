import { randomBytes } from 'node:crypto';
import type { Wallet } from '@tekana/contracts';
import { TRPCClientError } from '@trpc/client';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createAdminAndSignIn,
  floatWallet,
  registerAndSignIn,
  type SignedIn,
  signIn,
  useTestServer,
} from './harness';
import { compileResponseSchema } from './openapi-response-schema';

/** Logout revokes the caller's token until it expires: every later use of it is a 401, on both APIs. */
const logLines: string[] = [];
const server = useTestServer({}, { logLines });
let admin: SignedIn;

beforeAll(async () => {
  admin = await createAdminAndSignIn(server);
});

/** A customer signed in twice: two tokens of one account (say, a phone and a laptop). */
async function twiceSignedIn() {
  const first = await registerAndSignIn(server);
  const second = await signIn(server, first.customer.email, first.customer.phoneNumber, first.password);
  return { ...first, second };
}

async function trpcCode(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCClientError) return (error.data as { code: string }).code;
    throw error;
  }
  return 'OK';
}

describe('POST /customers/logout', () => {
  it('signs the token out: /customers/me, a posting and logout itself then answer 401', async () => {
    const alice = await twiceSignedIn();
    // Verified once, so its check sits in the server's cache: the revocation must still be seen.
    expect((await server.rest('GET', '/customers/me', undefined, alice.token)).status).toBe(200);
    const out = await fetch(`${server.url}/api/v1/customers/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}` },
    });
    const text = await out.text();
    expect(out.status).toBe(200);
    expect(JSON.parse(text)).toEqual({ status: 200, message: 'Signed out', data: { signedOut: true } });
    expect(text).not.toContain(alice.token);
    expect(text).not.toContain(alice.token.split('.')[2]);

    const me = await server.rest<{ code: string }>('GET', '/customers/me', undefined, alice.token);
    expect(me.status).toBe(401);
    expect(me.body.data.code).toBe('UNAUTHORIZED');
    const posting = {
      externalReferenceNumber: `logout-${randomBytes(6).toString('hex')}`,
      transactionTypeCode: 'TRANSFER',
      debitedWalletId: '00000000-0000-4000-8000-000000000000',
      creditedWalletId: '00000000-0000-4000-8000-000000000001',
      amount: 1,
    };
    expect((await server.rest('POST', '/transactions', posting, alice.token)).status).toBe(401);
    expect((await server.rest('POST', '/customers/logout', undefined, alice.token)).status).toBe(401);
    expect(await trpcCode(server.trpc(alice.token).customer.me.query())).toBe('UNAUTHORIZED');
  });

  it("leaves the customer's other tokens signed in", async () => {
    const bob = await twiceSignedIn();
    expect((await server.rest('POST', '/customers/logout', {}, bob.token)).status).toBe(200);
    expect((await server.rest('GET', '/customers/me', undefined, bob.token)).status).toBe(401);
    const me = await server.rest<{ id: string }>('GET', '/customers/me', undefined, bob.second);
    expect(me.status).toBe(200);
    expect(me.body.data.id).toBe(bob.customer.id);
  });

  it('signs an admin out too, leaving the other admins signed in', async () => {
    const float = await floatWallet(server, admin);
    const other = await createAdminAndSignIn(server);
    expect((await server.rest('POST', '/customers/logout', undefined, other.token)).status).toBe(200);
    expect((await server.rest<Wallet>('GET', `/wallets/${float.id}`, undefined, other.token)).status).toBe(
      401,
    );
    expect((await server.rest<Wallet>('GET', `/wallets/${float.id}`, undefined, admin.token)).status).toBe(
      200,
    );
  });

  it('answers 401 without a token or with a forged one', async () => {
    expect((await server.rest('POST', '/customers/logout')).status).toBe(401);
    const forged = `${admin.token.slice(0, -2)}xx`;
    expect((await server.rest('POST', '/customers/logout', undefined, forged)).status).toBe(401);
  });

  it('is described by /openapi.json as it answers', async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as Record<string, unknown>;
    const validate = await compileResponseSchema(document);
    const carol = await registerAndSignIn(server);
    const out = await server.rest('POST', '/customers/logout', undefined, carol.token);
    expect(validate('/customers/logout', 'post', out.status, out.body)).toEqual([]);
    const again = await server.rest('POST', '/customers/logout', undefined, carol.token);
    expect(validate('/customers/logout', 'post', again.status, again.body)).toEqual([]);
  });
});

describe('customer.logout over tRPC', () => {
  it('signs the token out for tRPC and REST alike, and answers no token', async () => {
    const dan = await twiceSignedIn();
    const asDan = server.trpc(dan.token);
    expect((await asDan.customer.me.query()).id).toBe(dan.customer.id);
    const out = await asDan.customer.logout.mutate();
    expect(out).toEqual({ signedOut: true });
    expect(await trpcCode(asDan.customer.me.query())).toBe('UNAUTHORIZED');
    expect(await trpcCode(asDan.wallet.list.query({}))).toBe('UNAUTHORIZED');
    expect(await trpcCode(asDan.customer.logout.mutate())).toBe('UNAUTHORIZED');
    expect((await server.rest('GET', '/customers/me', undefined, dan.token)).status).toBe(401);
    expect((await server.trpc(dan.second).customer.me.query()).id).toBe(dan.customer.id);
    expect(await trpcCode(server.trpc().customer.logout.mutate())).toBe('UNAUTHORIZED');
  });
});

describe('the logs', () => {
  it('never hold a token that was signed out', async () => {
    const from = logLines.length;
    const erin = await registerAndSignIn(server);
    await server.rest('POST', '/customers/logout', undefined, erin.token);
    await server.rest('GET', '/customers/me', undefined, erin.token);
    const written = logLines.slice(from);
    expect(written.length).toBeGreaterThan(0);
    for (const line of written) expect(line).not.toContain(erin.token.split('.')[2]);
  });
});
