import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { Transaction, Wallet } from '@tekana/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { fundingAdmin, registerAndSignIn, type SignedIn, useTestServer } from './harness';

/**
 * An empty POST (no body, with or without a content type) is a request with no fields: an operation whose
 * input fields are all optional answers it, one with required fields says which are missing.
 */
const server = useTestServer();
let admin: SignedIn;
let floatRwf: Wallet;
let wallet: Wallet;

beforeAll(async () => {
  ({ admin, floatRwf } = await fundingAdmin(server));
  const customer = await registerAndSignIn(server);
  const opened = await server.rest<Wallet>(
    'POST',
    '/wallets',
    { customerId: customer.customer.id, walletTypeCode: 'PERSONAL', currencyCode: 'RWF' },
    admin.token,
  );
  wallet = opened.body.data;
});

async function aDeposit(): Promise<Transaction> {
  const body = {
    externalReferenceNumber: `empty-${randomBytes(8).toString('hex')}`,
    transactionTypeCode: 'DEPOSIT',
    debitedWalletId: floatRwf.id,
    creditedWalletId: wallet.id,
    amount: 100,
  };
  const posted = await server.rest<Transaction>('POST', '/transactions', body, admin.token);
  expect(posted.status).toBe(201);
  return posted.body.data;
}

/**
 * The request exactly as written, over a socket: fetch and node:http always add a content-length or a
 * chunked encoding, while `curl -XPOST` sends neither.
 */
function rawRequest(path: string, headers: string[]): Promise<{ status: number; body: unknown }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        [`POST ${path} HTTP/1.1`, `host: ${hostname}:${port}`, 'connection: close', ...headers, '', ''].join(
          '\r\n',
        ),
      );
    });
    let received = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('error', reject).on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1]);
      const [, body = ''] = received.split('\r\n\r\n');
      const json = /^[0-9a-f]+\r\n/.test(body) ? body.replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, '') : body;
      resolve({ status, body: JSON.parse(json) });
    });
  });
}

const bearer = () => `authorization: Bearer ${admin.token}`;

describe('POST /transactions/{id}/reverse with an empty POST', () => {
  it('reverses with no body and no content type (as curl -XPOST sends it)', async () => {
    const original = await aDeposit();
    const answer = await rawRequest(`/api/v1/transactions/${original.id}/reverse`, [bearer()]);
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ status: 201, data: { reversalOf: original.id, amount: 100 } });
  });

  it('reverses with content-type application/json and no body at all', async () => {
    const original = await aDeposit();
    const answer = await rawRequest(`/api/v1/transactions/${original.id}/reverse`, [
      bearer(),
      'content-type: application/json',
    ]);
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ data: { reversalOf: original.id } });
  });

  it('reverses with content-type application/json and content-length 0', async () => {
    const original = await aDeposit();
    const answer = await rawRequest(`/api/v1/transactions/${original.id}/reverse`, [
      bearer(),
      'content-type: application/json',
      'content-length: 0',
    ]);
    expect(answer.status).toBe(201);
  });

  it('reverses a fetch with no body (content-length 0, no content type)', async () => {
    const original = await aDeposit();
    const answer = await server.rest<Transaction>(
      'POST',
      `/transactions/${original.id}/reverse`,
      undefined,
      admin.token,
    );
    expect(answer.status).toBe(201);
    expect(answer.body.data.statusMessage).toMatch(/^Reversal of TX/);
  });

  it('still reads a JSON body when there is one', async () => {
    const original = await aDeposit();
    const answer = await server.rest<Transaction>(
      'POST',
      `/transactions/${original.id}/reverse`,
      { statusMessage: 'Sent to the wrong wallet' },
      admin.token,
    );
    expect(answer.status).toBe(201);
    expect(answer.body.data.statusMessage).toBe('Sent to the wrong wallet');
  });

  it('refuses an empty POST without a token with 401, not 415', async () => {
    const original = await aDeposit();
    const answer = await rawRequest(`/api/v1/transactions/${original.id}/reverse`, []);
    expect(answer.status).toBe(401);
  });
});

describe('an empty POST to an operation with required fields', () => {
  it('answers 400 naming the missing fields, with or without a content type', async () => {
    for (const headers of [[bearer()], [bearer(), 'content-type: application/json']]) {
      const answer = await rawRequest('/api/v1/transactions', headers);
      expect(answer.status).toBe(400);
      const body = answer.body as { data: { code: string; issues: { path: string }[] } };
      expect(body.data.code).toBe('BAD_REQUEST');
      expect(body.data.issues.map((i) => i.path)).toEqual(
        expect.arrayContaining(['externalReferenceNumber', 'amount']),
      );
    }
  });
});

describe('/openapi.json', () => {
  it('marks a request body optional exactly when all its fields are', async () => {
    type Operation = { requestBody?: { required?: boolean } };
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, Operation>>;
    };
    expect(document.paths['/transactions/{id}/reverse']?.post?.requestBody?.required).toBe(false);
    expect(document.paths['/transactions']?.post?.requestBody?.required).toBe(true);
    expect(document.paths['/customers/register']?.post?.requestBody?.required).toBe(true);
  });
});
