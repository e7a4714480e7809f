import { DomainError, type TransactionCreateInput, type TransactionCreateRequest } from '@tekana/contracts';
import { type Database, wallets } from '@tekana/db';
import { inArray } from 'drizzle-orm';

/** A request's payee as a wallet id, or why it has none. */
export type ResolvedPosting = TransactionCreateInput | DomainError;

// A wallet's account number never changes and wallets are never deleted, so a mapping once read stays
// true; bounded, so that a caller naming many payees cannot grow the server's memory.
const CACHED_ACCOUNT_NUMBERS = 50_000;

/**
 * Names each posting's payee by wallet id before it reaches the posting engine, so that the engine, its
 * batches and the idempotency fingerprint only ever see wallet ids. Paying an account number and paying
 * its wallet's id are therefore the same request: sent once each way under one externalReferenceNumber,
 * the second returns the first posting (README, "Paying by account number").
 */
export function createPayeeResolver(database: Database, capacity = CACHED_ACCOUNT_NUMBERS) {
  const walletIdOf = new Map<string, string>();

  function remember(accountNumber: string, walletId: string) {
    if (walletIdOf.size >= capacity) {
      // Oldest first: a Map iterates in insertion order.
      const oldest = walletIdOf.keys().next().value;
      if (oldest !== undefined) walletIdOf.delete(oldest);
    }
    walletIdOf.set(accountNumber, walletId);
  }

  async function lookUp(accountNumbers: string[]) {
    const missing = [...new Set(accountNumbers)].filter((n) => !walletIdOf.has(n));
    if (missing.length === 0) return;
    // The primary, not a replica: a wallet opened a moment ago may be paid at once.
    const rows = await database.db
      .select({ id: wallets.id, accountNumber: wallets.accountNumber })
      .from(wallets)
      .where(inArray(wallets.accountNumber, missing));
    for (const row of rows) remember(row.accountNumber, row.id);
  }

  async function resolve(requests: TransactionCreateRequest[]): Promise<ResolvedPosting[]> {
    const named = requests.flatMap((r) => (r.creditedAccountNumber ? [r.creditedAccountNumber] : []));
    await lookUp(named);
    return requests.map(({ creditedAccountNumber, creditedWalletId, ...rest }) => {
      const walletId = creditedAccountNumber ? walletIdOf.get(creditedAccountNumber) : creditedWalletId;
      if (!walletId) return new DomainError('NOT_FOUND', 'No such wallet');
      return { ...rest, creditedWalletId: walletId };
    });
  }

  return {
    /** Each request with its payee's wallet id, or NOT_FOUND for an account number no wallet has. */
    resolve,
    /** The one request's posting, or NOT_FOUND thrown. */
    async resolveOne(request: TransactionCreateRequest): Promise<TransactionCreateInput> {
      const [resolved] = await resolve([request]);
      if (!resolved || resolved instanceof DomainError)
        throw resolved ?? new Error('payees: no answer for the request');
      return resolved;
    },
  };
}
