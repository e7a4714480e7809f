import {
  byIdInput,
  pageOf,
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

export const transactionRouter = {
  create: customerProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/transactions',
        tags,
        protect: true,
        summary: 'Post a transaction (idempotent on externalReferenceNumber)',
      },
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
          'Not atomic: 200, and data.results[i] is the envelope POST /transactions would have sent for item i. ' +
          'Atomic: 201 with every result, or the first refusal as the error (data.code, data.index) and nothing posted.',
      },
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
      },
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
      },
      message: 'Transaction reversed',
      created: true,
    })
    .input(transactionReverseInput)
    .output(transactionSchema)
    .mutation(({ ctx, input }) => ctx.services.ledger.reverse(ctx.actor, input)),
} satisfies TRPCRouterRecord;
