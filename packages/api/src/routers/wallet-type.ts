import { pageOf, walletTypeCreateInput, walletTypeListInput, walletTypeSchema } from '@tekana/contracts';
import type { TRPCRouterRecord } from '@trpc/server';
import { adminProcedure, customerProcedure } from '../trpc';

const tags = ['walletTypes'];

export const walletTypeRouter = {
  create: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/walletTypes',
        tags,
        protect: true,
        summary: 'Create a wallet type (admin)',
        description:
          'A kind of wallet with its per-posting amount limits and whether it may go negative (as FLOAT ' +
          'does). The code must be new (409). Audited.',
      },
      errors: ['CONFLICT'],
      message: 'Wallet type created',
      created: true,
    })
    .input(walletTypeCreateInput)
    .output(walletTypeSchema)
    .mutation(({ ctx, input }) => ctx.services.walletTypes.create(ctx.actor, input)),

  list: customerProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/walletTypes',
        tags,
        protect: true,
        summary: 'List wallet types',
        description: 'Newest first; filters code, name and allowNegativeBalance.',
      },
    })
    .input(walletTypeListInput)
    .output(pageOf(walletTypeSchema))
    .query(({ ctx, input }) => ctx.services.walletTypes.list(input)),
} satisfies TRPCRouterRecord;
