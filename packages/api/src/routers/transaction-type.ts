import {
  pageOf,
  ruleListInput,
  ruleSchema,
  ruleSetInput,
  transactionTypeCreateInput,
  transactionTypeListInput,
  transactionTypeSchema,
  transactionTypeStatusInput,
} from '@tekana/contracts';
import type { TRPCRouterRecord } from '@trpc/server';
import { z } from 'zod';
import { adminProcedure, customerProcedure } from '../trpc';

const tags = ['transactionTypes'];
const ruleTags = ['rules'];

/** Transaction types and their rules (transaction type × wallet type → debitAllowed, creditAllowed). */
export const transactionTypeRouter = {
  create: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/transactionTypes',
        tags,
        protect: true,
        summary: 'Create a transaction type (admin)',
        description:
          'A kind of posting (DEPOSIT, TRANSFER, ...) with its amount limits; what it may debit and credit ' +
          'is set by rules. The code must be new (409). Audited.',
      },
      errors: ['CONFLICT'],
      message: 'Transaction type created',
      created: true,
    })
    .input(transactionTypeCreateInput)
    .output(transactionTypeSchema)
    .mutation(({ ctx, input }) => ctx.services.transactionTypes.create(ctx.actor, input)),

  list: customerProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/transactionTypes',
        tags,
        protect: true,
        summary: 'List transaction types',
        description: 'Newest first; filters code and status.',
      },
    })
    .input(transactionTypeListInput)
    .output(pageOf(transactionTypeSchema))
    .query(({ ctx, input }) => ctx.services.transactionTypes.list(input)),

  setStatus: adminProcedure
    .meta({
      openapi: {
        method: 'PUT',
        path: '/transactionTypes/{id}/status',
        tags,
        protect: true,
        summary: "Change a transaction type's status (admin)",
        description: 'An INACTIVE type refuses new postings (422 TRANSACTION_TYPE_INACTIVE). Audited.',
      },
      errors: ['NOT_FOUND'],
      message: 'Transaction type status changed',
    })
    .input(transactionTypeStatusInput)
    .output(transactionTypeSchema)
    .mutation(({ ctx, input }) => ctx.services.transactionTypes.setStatus(ctx.actor, input)),

  setRule: adminProcedure
    .meta({
      openapi: {
        method: 'PUT',
        path: '/rules',
        tags: ruleTags,
        protect: true,
        summary: 'Set the rule of a transaction type for a wallet type (admin, upsert)',
        description:
          'Whether postings of this type may debit, and may credit, wallets of this type; without a rule, ' +
          'neither. Audited (rule.create or rule.update).',
      },
      errors: ['NOT_FOUND'],
      message: 'Rule set',
    })
    .input(ruleSetInput)
    .output(ruleSchema)
    .mutation(({ ctx, input }) => ctx.services.rules.set(ctx.actor, input)),

  rules: customerProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/rules',
        tags: ruleTags,
        protect: true,
        summary: 'List the rules',
        description: 'All of them (no paging: one per transaction type and wallet type); filters both ids.',
      },
    })
    .input(ruleListInput)
    .output(z.array(ruleSchema))
    .query(({ ctx, input }) => ctx.services.rules.list(input)),
} satisfies TRPCRouterRecord;
