import {
  byIdInput,
  pageOf,
  walletCreateInput,
  walletListInput,
  walletSchema,
  walletStatusInput,
} from '@tekana/contracts';
import type { TRPCRouterRecord } from '@trpc/server';
import { adminProcedure, customerProcedure } from '../trpc';

const tags = ['wallets'];

export const walletRouter = {
  create: customerProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/wallets',
        tags,
        protect: true,
        summary: 'Open a wallet (a customer for self, an admin for anyone)',
      },
      message: 'Wallet created',
      created: true,
    })
    .input(walletCreateInput)
    .output(walletSchema)
    .mutation(({ ctx, input }) => ctx.services.wallets.create(ctx.actor, input)),

  list: customerProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/wallets',
        tags,
        protect: true,
        summary: 'List wallets (a customer sees only their own)',
      },
    })
    .input(walletListInput)
    .output(pageOf(walletSchema))
    .query(({ ctx, input }) => ctx.services.wallets.list(ctx.actor, input)),

  get: customerProcedure
    .meta({
      openapi: { method: 'GET', path: '/wallets/{id}', tags, protect: true, summary: 'One wallet by id' },
    })
    .input(byIdInput)
    .output(walletSchema)
    .query(({ ctx, input }) => ctx.services.wallets.get(ctx.actor, input.id)),

  setStatus: adminProcedure
    .meta({
      openapi: {
        method: 'PUT',
        path: '/wallets/{id}/status',
        tags,
        protect: true,
        summary: "Change a wallet's status (admin)",
      },
      message: 'Wallet status changed',
    })
    .input(walletStatusInput)
    .output(walletSchema)
    .mutation(({ ctx, input }) => ctx.services.wallets.setStatus(ctx.actor, input)),
} satisfies TRPCRouterRecord;
