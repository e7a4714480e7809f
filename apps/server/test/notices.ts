import type { Transaction } from '@tekana/contracts';
import { expect } from 'vitest';
import type { FakeSmsGateway } from '../../../test/fake-sms-gateway';

/** The notices a posting owes: one per side that is a customer (the float's system account gets none). */
export function noticesOwed(posting: Transaction, floatId: string): number {
  return [posting.debitedWalletId, posting.creditedWalletId].filter((id) => id !== floatId).length;
}

/** How many SMS the gateway delivered that name each posting's reference. */
function deliveredFor(gateway: FakeSmsGateway, postings: Transaction[]): Map<string, number> {
  const counts = new Map(postings.map((p) => [p.referenceNumber, 0]));
  for (const post of gateway.delivered()) {
    const ref = /Ref (TX\w+)\./.exec(post.message)?.[1];
    if (ref && counts.has(ref)) counts.set(ref, (counts.get(ref) ?? 0) + 1);
  }
  return counts;
}

/** Waits until every posting's notices arrived, then a little longer, so that a second copy would show. */
export async function expectEachNoticeOnce(
  gateway: FakeSmsGateway,
  postings: Transaction[],
  floatId: string,
  timeoutMs: number,
): Promise<void> {
  const expected = new Map(postings.map((p) => [p.referenceNumber, noticesOwed(p, floatId)]));
  const complete = () =>
    [...deliveredFor(gateway, postings)].every(([ref, n]) => n >= (expected.get(ref) ?? 0));
  for (const deadline = Date.now() + timeoutMs; !complete() && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 1_500));
  const wrong = [...deliveredFor(gateway, postings)].filter(([ref, n]) => n !== expected.get(ref));
  expect(wrong, 'postings whose notices did not arrive exactly once').toEqual([]);
}
