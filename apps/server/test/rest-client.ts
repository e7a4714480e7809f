import { randomBytes } from 'node:crypto';
import type { TransactionType, WalletType } from '@tekana/contracts';

/**
 * Plain REST calls against any running server (one of this process or one spawned), in the old envelope:
 * below both the in-process harness and the spawned-process helpers, so that each may use them.
 */
export type Envelope<T = unknown> = { status: number; message: string; data: T; token?: string };

export async function rest<T>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: Envelope<T> }> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, body: (await response.json()) as Envelope<T> };
}

/**
 * A wallet type of the caller's own, allowed what PERSONAL is (deposits in, withdrawals out, transfers both
 * ways, payments out), made over REST by an admin: what a test sets on it, such as a limit, touches no other test.
 */
export async function walletTypeLikePersonal(base: string, token: string): Promise<WalletType> {
  const code = `W_${randomBytes(5).toString('hex').toUpperCase()}`;
  const body = { code, name: code, minimumTransactionAmount: 1, maximumTransactionAmount: 10_000_000 };
  const created = await rest<WalletType>(base, 'POST', '/walletTypes', body, token);
  if (created.status !== 201) throw new Error(`creating a wallet type answered ${created.status}`);
  const allowed = {
    DEPOSIT: [false, true],
    WITHDRAWAL: [true, false],
    TRANSFER: [true, true],
    PAYMENT: [true, false],
  };
  for (const [typeCode, [debitAllowed, creditAllowed]] of Object.entries(allowed)) {
    const types = await rest<{ items: TransactionType[] }>(
      base,
      'GET',
      `/transactionTypes?code=${typeCode}`,
      undefined,
      token,
    );
    const transactionTypeId = types.body.data.items[0]?.id;
    const rule = { transactionTypeId, walletTypeId: created.body.data.id, debitAllowed, creditAllowed };
    const set = await rest(base, 'PUT', '/rules', rule, token);
    if (set.status !== 200) throw new Error(`setting a rule answered ${set.status}`);
  }
  return created.body.data;
}
