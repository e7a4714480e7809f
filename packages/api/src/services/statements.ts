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
  statementPage,
} from '@tekana/db';
import type { WalletService } from './wallets';

export type StatementService = ReturnType<typeof createStatementService>;

// A CSV download reads the period this many lines at a time: memory bounded whatever the period's length.
const CSV_PAGE_LINES = 1_000;

/**
 * The lines with the running balance of the statement: `before` plus the net of every line up to each,
 * in (createdAt, id) order, so that a captured hold counts at the time it was placed (README, "Statements").
 */
function withBalances(before: number, rows: StatementLineRow[]): StatementLine[] {
  let balance = before;
  return rows.map((row) => {
    balance += row.credit - row.debit;
    return {
      transactionId: row.id,
      referenceNumber: row.referenceNumber,
      createdAt: row.createdAt.toISOString(),
      description: row.description,
      debit: row.debit,
      credit: row.credit,
      balance,
    };
  });
}

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
      // One statement: the lines, the balance before them and the period's figures from one snapshot.
      const page = await statementPage(reader, period, { after, limit: limit + 1 });
      const shown = page.lines.slice(0, limit);
      const last = shown.at(-1);
      return {
        openingBalance: page.openingBalance,
        closingBalance: page.openingBalance - page.totalDebits + page.totalCredits,
        totalDebits: page.totalDebits,
        totalCredits: page.totalCredits,
        lines: withBalances(page.balanceBefore, shown),
        nextCursor: page.lines.length > limit && last ? encodeCursor(last) : null,
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
        // The first page brings the opening balance; the later ones carry the running balance on, so the
        // download adds up line by line as one document, and each page reads only its own lines.
        const first = await statementPage(reader, period, { after: undefined, limit: CSV_PAGE_LINES });
        let rows = first.lines;
        let balance = first.balanceBefore;
        for (;;) {
          const lines = withBalances(balance, rows);
          if (lines.length > 0) yield lines;
          const last = rows.at(-1);
          if (rows.length < CSV_PAGE_LINES || !last) return;
          balance = lines.at(-1)?.balance ?? balance;
          rows = await statementLines(reader, period, { after: last, limit: CSV_PAGE_LINES });
        }
      }
      return { wallet, pages: pages() };
    },
  };
}
