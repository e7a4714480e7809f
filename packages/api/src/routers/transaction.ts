import {
  byIdInput,
  type ErrorCode,
  HOLD_CAPTURED_MESSAGE,
  HOLD_REFUSALS,
  HOLD_VOIDED_MESSAGE,
  holdCaptureInput,
  holdVoidInput,
  NEW_POSTING_REFUSALS,
  pageOf,
  REVERSAL_REFUSALS,
  TRANSACTION_POSTED,
  transactionBulkInput,
  transactionBulkOutput,
  transactionCreateInput,
  transactionListInput,
  transactionReverseInput,
  transactionSchema,
} from '@tekana/contracts';
import type { TRPCRouterRecord } from '@trpc/server';
import { adminProcedure, customerProcedure } from '../trpc';

const tags = ['transactions'];

/** What a posting (or a bulk item) may be refused with: who may post it, what it names, its key, the checks. */
const POSTING_ERRORS: readonly ErrorCode[] = [
  'FORBIDDEN',
  'NOT_FOUND',
  'IDEMPOTENCY_CONFLICT',
  ...NEW_POSTING_REFUSALS,
];

export const transactionRouter = {
  create: customerProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/transactions',
        tags,
        protect: true,
        summary: 'Post a transaction (idempotent on externalReferenceNumber)',
        description:
          'Moves amount (integer minor units) from the debited wallet to the credited one; give exactly one ' +
          'of transactionTypeId or transactionTypeCode, and exactly one of creditedWalletId or ' +
          'creditedAccountNumber (an unknown account number is 404). A customer debits only their own wallets. The same ' +
          'request again under its externalReferenceNumber returns the first posting; another request under ' +
          'that key is 409. A refusal (422) posts nothing. With "hold": true it reserves the amount instead ' +
          '(status PENDING: the available balance drops, the current one does not) until captured, voided, ' +
          'or expired after expiresInSeconds (default 900).',
      },
      errors: POSTING_ERRORS,
      message: TRANSACTION_POSTED,
      created: true,
    })
    .input(transactionCreateInput)
    .output(transactionSchema)
    .mutation(({ ctx, input }) => ctx.services.ledger.post(ctx.actor, input)),

  createMany: customerProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/transactions/bulk',
        tags,
        protect: true,
        summary: 'Post up to 100 transactions in one call (atomic: all or nothing)',
        description:
          'Each item is a POST /transactions body (the payee by creditedWalletId or creditedAccountNumber). ' +
          'Not atomic: 200, and data.results[i] is the envelope POST /transactions would have sent for item i. ' +
          'Atomic: 201 with every result, or the first refusal as the error (data.code, data.index) and nothing posted.',
      },
      errors: POSTING_ERRORS,
      message: 'Bulk postings processed',
      created: (output) => (output as { atomic?: boolean } | undefined)?.atomic === true,
    })
    .input(transactionBulkInput)
    .output(transactionBulkOutput)
    .mutation(({ ctx, input }) => ctx.services.ledger.postMany(ctx.actor, input)),

  list: customerProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/transactions',
        tags,
        protect: true,
        summary: 'List transactions (a customer sees those touching their wallets)',
        description:
          'Newest first, filtered by any field, walletId (either side), amount range and creation time. A ' +
          "customer sees only their own side's balance: the other side's is null.",
      },
    })
    .input(transactionListInput)
    .output(pageOf(transactionSchema))
    .query(({ ctx, input }) => ctx.services.transactions.list(ctx.actor, input)),

  get: customerProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/transactions/{id}',
        tags,
        protect: true,
        summary: 'One transaction by id',
        description: "A posting that touches none of the caller's wallets is 404, as if it did not exist.",
      },
      errors: ['NOT_FOUND'],
    })
    .input(byIdInput)
    .output(transactionSchema)
    .query(({ ctx, input }) => ctx.services.transactions.get(ctx.actor, input.id)),

  reverse: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/transactions/{id}/reverse',
        tags,
        protect: true,
        summary: 'Reverse a transaction (admin)',
        description:
          'Posts the same amount the other way, linked by reversalOf, and marks the original REVERSED; ' +
          'skips rules and limits but may not overdraw. The body is optional. Audited.',
      },
      errors: ['NOT_FOUND', ...REVERSAL_REFUSALS],
      message: 'Transaction reversed',
      created: true,
    })
    .input(transactionReverseInput)
    .output(transactionSchema)
    .mutation(({ ctx, input }) => ctx.services.ledger.reverse(ctx.actor, input)),

  capture: customerProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/transactions/{id}/capture',
        tags,
        protect: true,
        summary: 'Capture a hold (all of it, or amount of it)',
        description:
          'Moves the held amount, or the amount given (at most the amount held; the rest is released), and ' +
          'completes the posting with the balances after. Whoever placed the hold, or an admin. A second ' +
          'capture answers the same posting; after a void or expiry it is 409. The body is optional.',
      },
      errors: ['FORBIDDEN', 'NOT_FOUND', ...HOLD_REFUSALS, 'AMOUNT_OUT_OF_RANGE', 'WALLET_INACTIVE'],
      message: HOLD_CAPTURED_MESSAGE,
    })
    .input(holdCaptureInput)
    .output(transactionSchema)
    .mutation(({ ctx, input }) => ctx.services.holds.capture(ctx.actor, input)),

  void: customerProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/transactions/{id}/void',
        tags,
        protect: true,
        summary: 'Void a hold: release its funds',
        description:
          'The posting becomes CANCELLED and nothing moves. Whoever placed the hold, or an admin. A second ' +
          'void (or one after expiry) answers the same posting; after a capture it is 409. The body is optional.',
      },
      errors: ['FORBIDDEN', 'NOT_FOUND', ...HOLD_REFUSALS],
      message: HOLD_VOIDED_MESSAGE,
    })
    .input(holdVoidInput)
    .output(transactionSchema)
    .mutation(({ ctx, input }) => ctx.services.holds.void(ctx.actor, input)),
} satisfies TRPCRouterRecord;
