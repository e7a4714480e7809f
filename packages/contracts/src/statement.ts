import { z } from 'zod';
import { amountSchema, balanceSchema, dateTimeQuery, dateTimeSchema, idSchema } from './common';
import { paginationInput } from './pagination';

const STATEMENT_FORMATS = ['json', 'csv'] as const;

/**
 * A wallet's statement for a period, both ends inclusive: paged like the lists (`limit`, `cursor`), but
 * oldest first, as a statement reads. `format=csv` (REST only) downloads every line of the period at once.
 */
export const walletStatementInput = paginationInput
  .pick({ limit: true, cursor: true })
  .extend({
    id: idSchema,
    from: dateTimeQuery.meta({ description: 'The first instant of the period (ISO date-time, inclusive)' }),
    to: dateTimeQuery.meta({ description: 'The last instant of the period (ISO date-time, inclusive)' }),
    format: z
      .enum(STATEMENT_FORMATS)
      .meta({
        description:
          'csv: every line of the period as text/csv (a download, no envelope, no paging), oldest first',
      })
      .optional(),
  })
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['from'] });
export type WalletStatementInput = z.infer<typeof walletStatementInput>;

/**
 * One posting as the wallet's holder sees it: money out (debit) or in (credit), and the statement's running
 * balance after it (postings in createdAt order; a captured hold counts when it was placed).
 */
export const statementLineSchema = z.object({
  transactionId: idSchema,
  referenceNumber: z.string(),
  createdAt: dateTimeSchema,
  /** The posting's statusMessage, or its transaction type's name when it has none. */
  description: z.string(),
  debit: amountSchema,
  credit: amountSchema,
  balance: balanceSchema,
});
export type StatementLine = z.infer<typeof statementLineSchema>;

export const walletStatementSchema = z.object({
  /** The balance just before `from`: as if every posting that moved money dated before it had applied. */
  openingBalance: balanceSchema,
  /** The balance after the last posting at or before `to`: openingBalance − totalDebits + totalCredits. */
  closingBalance: balanceSchema,
  /** Over the whole period, not just this page. */
  totalDebits: amountSchema,
  totalCredits: amountSchema,
  lines: z.array(statementLineSchema),
  nextCursor: z.string().nullable(),
});
export type WalletStatement = z.infer<typeof walletStatementSchema>;

/** The CSV download's columns, in order: the JSON line's fields. */
export const STATEMENT_CSV_COLUMNS = [
  'transactionId',
  'referenceNumber',
  'createdAt',
  'description',
  'debit',
  'credit',
  'balance',
] as const satisfies readonly (keyof StatementLine)[];
