import {
  byIdInput,
  pageOf,
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
      message: 'Transaction posted',
      created: true,
    })
    .input(transactionCreateInput)
    .output(transactionSchema)
    .mutation(({ ctx, input }) => ctx.services.ledger.post(ctx.actor, input)),

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
