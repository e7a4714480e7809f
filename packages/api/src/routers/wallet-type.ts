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
      },
      message: 'Wallet type created',
      created: true,
    })
    .input(walletTypeCreateInput)
    .output(walletTypeSchema)
    .mutation(({ ctx, input }) => ctx.services.walletTypes.create(ctx.actor, input)),

  list: customerProcedure
    .meta({
      openapi: { method: 'GET', path: '/walletTypes', tags, protect: true, summary: 'List wallet types' },
    })
    .input(walletTypeListInput)
    .output(pageOf(walletTypeSchema))
    .query(({ ctx, input }) => ctx.services.walletTypes.list(input)),
} satisfies TRPCRouterRecord;
