import { limitListInput, limitRemoveInput, limitSchema, limitSetInput, pageOf } from '@tekana/contracts';
import type { TRPCRouterRecord } from '@trpc/server';
import { adminProcedure } from '../trpc';

const tags = ['limits'];

/** Limits per period: what a wallet of a type may send per day or month (admin). */
export const limitRouter = {
  set: adminProcedure
    .meta({
      openapi: {
        method: 'PUT',
        path: '/limits',
        tags,
        protect: true,
        summary: 'Set a limit per period of a wallet type (admin, upsert)',
        description:
          'What a wallet of this type may send (debit) per DAY or MONTH, in the limits time zone: at most ' +
          'maxAmount in total and at most maxCount postings, of one transaction type or (transactionTypeId ' +
          'left out or null) of all of them. Keyed by walletTypeId, transactionTypeId and period: the limit ' +
          'becomes exactly this body, and a cap left out is no cap. A posting over it is refused with 422 ' +
          'LIMIT_EXCEEDED. DELETE /limits/{id} removes one. Audited (limit.create or limit.update).',
      },
      errors: ['NOT_FOUND'],
      message: 'Limit set',
    })
    .input(limitSetInput)
    .output(limitSchema)
    .mutation(({ ctx, input }) => ctx.services.periodLimits.set(ctx.actor, input)),

  list: adminProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/limits',
        tags,
        protect: true,
        summary: 'List the limits per period (admin)',
        description: 'Newest first; filters walletTypeId, transactionTypeId and period.',
      },
    })
    .input(limitListInput)
    .output(pageOf(limitSchema))
    .query(({ ctx, input }) => ctx.services.periodLimits.list(input)),

  remove: adminProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/limits/{id}',
        tags,
        protect: true,
        summary: 'Remove a limit per period (admin)',
        description:
          'Postings are no longer held to it; its usage counters go with it. Answers the limit removed. ' +
          'Audited (limit.delete).',
      },
      errors: ['NOT_FOUND'],
      message: 'Limit removed',
    })
    .input(limitRemoveInput)
    .output(limitSchema)
    .mutation(({ ctx, input }) => ctx.services.periodLimits.remove(ctx.actor, input)),
} satisfies TRPCRouterRecord;
