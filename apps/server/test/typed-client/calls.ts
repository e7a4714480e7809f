/**
 * The REST API called as a frontend would call it: through a client generated from `/openapi.json`
 * (openapi-typescript for the types, openapi-fetch for the calls). `openapi-clients.test.ts` generates
 * `../.generated/tekana-api.d.ts` from the served document, type-checks this file against it with tsc,
 * and runs the calls against a test server. Each expect-error below must meet a compile error on the
 * next line whose message holds the text in backquotes.
 */
import createClient from 'openapi-fetch';
import type { paths } from '../.generated/tekana-api';

export type TekanaClient = ReturnType<typeof createClient<paths>>;

type JsonBody<T> = T extends { content: { 'application/json': infer B } } ? B : never;
export type RegisterBody = JsonBody<paths['/customers/register']['post']['requestBody']>;
type WalletBody = JsonBody<paths['/wallets']['post']['requestBody']>;
type WalletQuery = NonNullable<paths['/wallets']['get']['parameters']['query']>;
type PostingResponses = paths['/transactions']['post']['responses'];
/** What a refused posting may say: the document's list for the 422, not any string. */
export type PostingRefusal = JsonBody<PostingResponses[422]>['data']['code'];

type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// The generated types are the names and numbers the API takes, not widened to any string or number.
export const typedAsTheDocumentSays: [
  Exactly<RegisterBody['idType'], 'NID' | 'PASSPORT'>,
  Exactly<RegisterBody['gender'], 'FEMALE' | 'MALE'>,
  Exactly<WalletBody['currencyCode'], 'RWF' | 'USD'>,
  Exactly<WalletQuery['limit'], number | undefined>,
  Exactly<WalletQuery['currencyCode'], 'RWF' | 'USD' | undefined>,
] = [true, true, true, true, true];

export function tekanaClient(serverUrl: string, token?: string): TekanaClient {
  return createClient<paths>({
    baseUrl: `${serverUrl}/api/v1`,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

export async function registerWithNationalId(client: TekanaClient, details: Omit<RegisterBody, 'idType'>) {
  const { data, error } = await client.POST('/customers/register', {
    body: { ...details, idType: 'NID' },
  });
  if (error) throw new Error(`register refused: ${error.status} ${error.data.code}`);
  return data.data;
}

export async function openWallet(client: TekanaClient, currencyCode: WalletBody['currencyCode']) {
  const { data, error } = await client.POST('/wallets', {
    body: { walletTypeCode: 'PERSONAL', currencyCode },
  });
  if (error) throw new Error(`wallet refused: ${error.status} ${error.data.code}`);
  return data.data;
}

export async function firstWallets(client: TekanaClient, limit: number) {
  const { data, error } = await client.GET('/wallets', {
    params: { query: { limit, currencyCode: 'RWF' } },
  });
  if (error) throw new Error(`wallets refused: ${error.status} ${error.data.code}`);
  return data.data;
}

/** A transfer: the posting, or the code it was refused with (a 422), or a throw for anything else. */
export async function transfer(
  client: TekanaClient,
  posting: { from: string; to: string; amount: number; key: string },
) {
  const { data, error } = await client.POST('/transactions', {
    body: {
      externalReferenceNumber: posting.key,
      transactionTypeCode: 'TRANSFER',
      debitedWalletId: posting.from,
      creditedWalletId: posting.to,
      amount: posting.amount,
      channelType: 'APP',
    },
  });
  if (data) return { posted: data.data };
  if (error.status === 422) return { refused: error.data.code, explained: explain(error.data.code) };
  throw new Error(`transfer failed: ${error.status} ${error.data.code}`);
}

/** What the app shows for each refusal: a switch over every code the document lists, and only those. */
export function explain(code: PostingRefusal): string {
  switch (code) {
    case 'INSUFFICIENT_FUNDS':
      return 'Not enough money in this wallet';
    case 'AMOUNT_OUT_OF_RANGE':
      return 'This amount is too small or too large';
    case 'WALLET_INACTIVE':
      return 'One of the wallets is not active';
    case 'CURRENCY_MISMATCH':
      return 'Both wallets must hold the same currency';
    case 'SAME_WALLET':
      return 'Choose another wallet to pay into';
    case 'DEBIT_NOT_ALLOWED':
    case 'CREDIT_NOT_ALLOWED':
    case 'TRANSACTION_TYPE_INACTIVE':
      return 'This kind of payment is not possible here';
    case 'LIMIT_EXCEEDED':
      return 'This wallet has reached its sending limit for now';
    default: {
      const unknown: never = code;
      return unknown;
    }
  }
}

/** Calls the document forbids, each refused by the compiler: type-checked, never run. */
export async function callsThatMustNotCompile(client: TekanaClient, customer: RegisterBody) {
  await client.POST('/customers/register', {
    body: {
      ...customer,
      // @ts-expect-error ID types are `'"NID" | "PASSPORT"'`
      idType: 'DRIVING_LICENCE',
    },
  });
  await client.POST('/wallets', {
    body: {
      walletTypeCode: 'PERSONAL',
      // @ts-expect-error currencies are `'"RWF" | "USD"'`
      currencyCode: 'EUR',
    },
  });
  const { password: _password, ...withoutPassword } = customer;
  // @ts-expect-error `Property 'password' is missing`
  await client.POST('/customers/register', { body: withoutPassword });
  // @ts-expect-error no such path: `'"/accounts"' is not assignable`
  await client.GET('/accounts', {});
  await client.GET('/wallets', {
    // @ts-expect-error limit is `not assignable to type 'number'`
    params: { query: { limit: 'ten' } },
  });
  const { error } = await client.POST('/transactions/{id}/reverse', { params: { path: { id: '' } } });
  // @ts-expect-error a reversal's 422 codes are `'"INSUFFICIENT_FUNDS" | "ALREADY_REVERSED" | "NOT_REVERSIBLE"'`
  if (error?.status === 422 && error.data.code === 'DEBIT_NOT_ALLOWED') return;
}
