import { randomBytes, randomInt } from 'node:crypto';
import type { Transaction, TransactionCreateInput } from '@tekana/contracts';

/** One POST /transactions as its client saw it: the answer's status, or how the call failed. */
export type Attempt = {
  body: TransactionCreateInput;
  /** The HTTP status; 'refused' when the connection failed (server down), 'timeout' when no answer came. */
  outcome: number | 'refused' | 'timeout';
  ms: number;
  posting?: Transaction;
};

export type PostingLoad = {
  /** Stops every poster after its current call and returns every attempt, in no particular order. */
  stop(): Promise<Attempt[]>;
  /** Attempts so far answered 201. */
  acknowledged(): number;
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
  const started = Date.now();
  try {
    const response = await fetch(`${options.base}/api/v1/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.clientTimeoutMs),
    });
    const envelope = (await response.json()) as { data: Transaction };
    const posting = response.status === 201 ? envelope.data : undefined;
    return { body, outcome: response.status, ms: Date.now() - started, posting };
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    return { body, outcome: timedOut ? 'timeout' : 'refused', ms: Date.now() - started };
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
      if (attempt.outcome === 'refused') await new Promise((r) => setTimeout(r, 50));
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
  };
}
