import type { Actor, ErrorCode } from '@tekana/contracts';
import { outcomeOf, posting, type Testbed } from './ledger-testbed';

export type HoldRace = {
  /** Who makes every call, from the wallet every call debits. */
  payer: { customer: Actor; wallet: { id: string } };
  /** The wallet call `i` credits. */
  to: (i: number) => string;
  amountOf: (i: number) => number;
  count: number;
  /** The first call's `i`: a later wave numbered on settles as the first would have. */
  offset?: number;
  /** Whether hold `i`, neither captured in part nor voided, is captured in full rather than left. */
  capturesInFull?: (i: number) => boolean;
};

/**
 * Calls `i` of the race all at once: a transfer on even `i`; on odd `i` a hold (every fifth expiring in
 * 1 s), then captured in part (i % 3 = 0), voided (i % 3 = 1) or left. A hold that expired before its
 * capture or void is OK: that race is the point. Each call's domain code, or 'OK'.
 */
export function raceHoldsAndPostings(bed: Testbed, race: HoldRace): Promise<(ErrorCode | 'OK')[]> {
  const { payer, to, amountOf, count, offset = 0, capturesInFull = () => false } = race;
  return Promise.all(
    Array.from({ length: count }, async (_, n) => {
      const i = n + offset;
      const amount = amountOf(i);
      const input = posting('TRANSFER', payer.wallet.id, to(i), amount, bed.ref());
      if (i % 2 === 0) return outcomeOf(bed.services.ledger.post(payer.customer, input));
      const placed = bed.services.ledger.post(payer.customer, {
        ...input,
        hold: true,
        expiresInSeconds: i % 5 === 1 ? 1 : 600,
      });
      const outcome = await outcomeOf(placed);
      if (outcome !== 'OK') return outcome;
      const { id } = await placed;
      const settle =
        i % 3 === 0
          ? bed.services.holds.capture(payer.customer, { id, amount: 1 + (i % amount) })
          : i % 3 === 1
            ? bed.services.holds.void(payer.customer, { id })
            : capturesInFull(i)
              ? bed.services.holds.capture(payer.customer, { id })
              : Promise.resolve();
      const settled = await outcomeOf(settle);
      return settled === 'HOLD_EXPIRED' ? 'OK' : settled;
    }),
  );
}

/**
 * The expiry sweep, every 20 ms while a race goes on. `stop` sweeps until no due hold is left (other
 * tests' holds may be due too), then stops it.
 */
export function sweepHoldsMeanwhile(bed: Testbed): { stop(): Promise<void> } {
  let sweeping = true;
  const sweeper = (async () => {
    while (sweeping) {
      await bed.services.holds.expireDue(50);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    async stop() {
      while ((await bed.services.holds.expireDue(50)) === 50) {}
      sweeping = false;
      await sweeper;
    },
  };
}
