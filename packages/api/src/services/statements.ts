import {
  type Actor,
  DEFAULT_PAGE_SIZE,
  type StatementLine,
  type Wallet,
  type WalletStatement,
  type WalletStatementInput,
} from '@tekana/contracts';
import {
  type Database,
  decodeCursor,
  encodeCursor,
  type StatementLineRow,
  type StatementPeriod,
  statementLines,
  statementSummary,
} from '@tekana/db';
import type { WalletService } from './wallets';

export type StatementService = ReturnType<typeof createStatementService>;

// A CSV download reads the period this many lines at a time: memory bounded whatever the period's length.
const CSV_PAGE_LINES = 1_000;

const toLine = (row: StatementLineRow): StatementLine => ({
  transactionId: row.id,
  referenceNumber: row.referenceNumber,
  createdAt: row.createdAt.toISOString(),
  description: row.description,
  debit: row.debit,
  credit: row.credit,
  balance: row.balance,
});

/**
 * A wallet's statement: what it held before a period, what went out and came in during it, and each
 * posting with the balance it left (README, "Statements"). Its holder's and the admins' only: another
 * customer's wallet is "not found", as for the wallet itself.
 */
export function createStatementService({
  database,
  wallets,
}: {
  database: Database;
  wallets: WalletService;
}) {
  const { reader } = database;

  async function periodOf(actor: Actor, input: WalletStatementInput) {
    const wallet = await wallets.get(actor, input.id);
    const period: StatementPeriod = { walletId: wallet.id, from: input.from, to: input.to };
    return { wallet, period };
  }

  return {
    /** One page of lines (oldest first, keyset on `cursor`), with the whole period's balances and totals. */
    async statement(actor: Actor, input: WalletStatementInput): Promise<WalletStatement> {
      const { period } = await periodOf(actor, input);
      const limit = input.limit ?? DEFAULT_PAGE_SIZE;
      const after = input.cursor ? decodeCursor(input.cursor) : undefined;
      const [summary, rows] = await Promise.all([
        statementSummary(reader, period),
        statementLines(reader, period, { after, limit: limit + 1 }),
      ]);
      const shown = rows.slice(0, limit);
      const last = shown.at(-1);
      return {
        openingBalance: summary.openingBalance,
        // Computed, not read from the last posting: exact even when postings share their instant.
        closingBalance: summary.openingBalance - summary.totalDebits + summary.totalCredits,
        totalDebits: summary.totalDebits,
        totalCredits: summary.totalCredits,
        lines: shown.map(toLine),
        nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
      };
    },

    /**
     * Every line of the period, oldest first, a page at a time (for the CSV download): the wallet is
     * checked before anything is read, and each page is read only when the one before was taken.
     */
    async allLines(
      actor: Actor,
      input: WalletStatementInput,
    ): Promise<{ wallet: Wallet; pages: AsyncGenerator<StatementLine[]> }> {
      const { wallet, period } = await periodOf(actor, input);
      async function* pages() {
        let after: { createdAt: Date; id: string } | undefined;
        for (;;) {
          const rows = await statementLines(reader, period, { after, limit: CSV_PAGE_LINES });
          if (rows.length > 0) yield rows.map(toLine);
          const last = rows.at(-1);
          if (rows.length < CSV_PAGE_LINES || !last) return;
          after = last;
        }
      }
      return { wallet, pages: pages() };
    },
  };
}
