import { randomBytes, randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Transaction, TransactionCreateInput } from '@tekana/contracts';
import { expect } from 'vitest';
import { customerWithWallet, postTransaction } from '../server-process';

/** The server's REQUEST_TIMEOUT_MS in the fault tests. */
export const REQUEST_TIMEOUT_MS = 2_000;
// An answer may trail the deadline by the time the event loop takes to notice it, never by more.
export const DEADLINE_SLACK_MS = 1_500;
/** Concurrent posters of a fault test's load. */
export const POSTERS = 32;

/** One POST /transactions as its client saw it: the answer's status, or how the call failed. */
export type Attempt = {
  body: TransactionCreateInput;
  /** The HTTP status; 'refused' when the connection failed (server down), 'timeout' when no answer came. */
  outcome: number | 'refused' | 'timeout';
  /** When it was sent (Date.now()), and how long its answer took. */
  sentAt: number;
  ms: number;
  posting?: Transaction;
};

export type PostingLoad = {
  /** Stops every poster after its current call and returns every attempt, in no particular order. */
  stop(): Promise<Attempt[]>;
  /** Attempts so far answered 201. */
  acknowledged(): number;
  /** Every attempt answered so far, in the order of their answers. */
  attempts(): readonly Attempt[];
};

export type PostingLoadOptions = {
  base: string;
  token: string;
  floatId: string;
  /** Customer wallets, funded well enough that no transfer of this load is refused for funds. */
  walletIds: string[];
  concurrency: number;
  /** A client gives up after this long, and the call counts as 'timeout'. */
  clientTimeoutMs: number;
};

/** A fault test's load: POSTERS clients, each giving up after the server's deadline and its slack. */
export function faultLoad(
  options: Pick<PostingLoadOptions, 'base' | 'token' | 'floatId' | 'walletIds'>,
): PostingLoadOptions {
  return { ...options, concurrency: POSTERS, clientTimeoutMs: REQUEST_TIMEOUT_MS + DEADLINE_SLACK_MS };
}

/** Eight customer wallets for a load, each funded from the float by the admin; their ids. */
export async function fundedLoadWallets(base: string, token: string, floatId: string): Promise<string[]> {
  // One at a time: password hashing is slow by design, and eight at once could pass the short deadline.
  const walletIds: string[] = [];
  for (let i = 0; i < 8; i++) walletIds.push((await customerWithWallet(base, token)).wallet.id);
  // Far more than any load here moves, so that no transfer is refused for funds and every replay posts.
  for (const id of walletIds) {
    const funded = await postTransaction(base, token, 'DEPOSIT', floatId, id, 5_000_000);
    if (funded.status !== 201) throw new Error(`funding answered ${funded.status}`);
  }
  return walletIds;
}

/** The next posting a poster sends: mostly transfers between random customers, some deposits from the float. */
function nextPosting({ floatId, walletIds }: PostingLoadOptions): TransactionCreateInput {
  const pick = () => walletIds[randomInt(walletIds.length)] as string;
  const from = pick();
  let to = pick();
  while (to === from) to = pick();
  const deposit = randomInt(5) === 0;
  return {
    externalReferenceNumber: `fault-${randomBytes(8).toString('hex')}`,
    transactionTypeCode: deposit ? 'DEPOSIT' : 'TRANSFER',
    debitedWalletId: deposit ? floatId : from,
    creditedWalletId: to,
    amount: 1 + randomInt(100),
    channelType: 'APP',
  };
}

export async function sendPosting(
  options: Pick<PostingLoadOptions, 'base' | 'token' | 'clientTimeoutMs'>,
  body: TransactionCreateInput,
): Promise<Attempt> {
  const sentAt = Date.now();
  try {
    const response = await fetch(`${options.base}/api/v1/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.clientTimeoutMs),
    });
    const envelope = (await response.json()) as { data: Transaction };
    const posting = response.status === 201 ? envelope.data : undefined;
    return { body, outcome: response.status, sentAt, ms: Date.now() - sentAt, posting };
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    return { body, outcome: timedOut ? 'timeout' : 'refused', sentAt, ms: Date.now() - sentAt };
  }
}

/** `concurrency` clients posting back to back, as the admin, until stopped. */
export function startPostingLoad(options: PostingLoadOptions): PostingLoad {
  const attempts: Attempt[] = [];
  let stopping = false;
  const poster = async () => {
    while (!stopping) {
      const attempt = await sendPosting(options, nextPosting(options));
      attempts.push(attempt);
      // A server that is down refuses at once: do not spin on it.
      if (attempt.outcome === 'refused') await sleep(50);
    }
  };
  const posters = Array.from({ length: options.concurrency }, poster);
  return {
    async stop() {
      stopping = true;
      await Promise.all(posters);
      return attempts;
    },
    acknowledged: () => attempts.filter((a) => a.outcome === 201).length,
    attempts: () => attempts,
  };
}

/**
 * Runs `fault` while `options.concurrency` clients post, with load before it and after it (until that
 * many more postings are acknowledged, or 10 s pass); returns every attempt. `fault` gets the load, to
 * watch the answers; `explain` says what to show when nothing is acknowledged after the fault.
 */
export async function underLoad(
  options: PostingLoadOptions,
  fault: (load: PostingLoad) => Promise<void>,
  explain: () => string,
): Promise<Attempt[]> {
  const load = startPostingLoad(options);
  await sleep(1_500);
  expect(load.acknowledged(), 'postings acknowledged before the fault').toBeGreaterThan(0);
  await fault(load);
  const before = load.acknowledged();
  for (
    const deadline = Date.now() + 10_000;
    load.acknowledged() <= before + options.concurrency && Date.now() < deadline;
  )
    await sleep(100);
  await sleep(1_000);
  const attempts = await load.stop();
  const counts = new Map<string, number>();
  for (const a of attempts) counts.set(String(a.outcome), (counts.get(String(a.outcome)) ?? 0) + 1);
  const outcomes = [...counts].map(([k, v]) => `${k}: ${v}`);
  expect(
    load.acknowledged(),
    `acknowledged after the fault; ${outcomes.join(', ')}; ${explain()}`,
  ).toBeGreaterThan(before + options.concurrency);
  return attempts;
}
