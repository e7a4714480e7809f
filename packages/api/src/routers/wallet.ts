import {
  byIdInput,
  pageOf,
  walletCreateInput,
  walletListInput,
  walletLookupInput,
  walletLookupSchema,
  walletSchema,
  walletStatementInput,
  walletStatementSchema,
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
        description:
          'Give exactly one of walletTypeId or walletTypeCode, and the currency. A customer opens only ' +
          'their own, never one that may go negative (403); customerId is for admins. The account number ' +
          'is made here (12 digits, Luhn-checked).',
      },
      errors: ['FORBIDDEN', 'NOT_FOUND'],
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
        description:
          'Newest first, filtered by any field; pages by limit and cursor, or the old page and pageSize.',
      },
    })
    .input(walletListInput)
    .output(pageOf(walletSchema))
    .query(({ ctx, input }) => ctx.services.wallets.list(ctx.actor, input)),

  lookup: customerProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/wallets/lookup',
        tags,
        protect: true,
        summary: 'Find the wallet a payment would reach, by account number or phone number',
        description:
          'Give accountNumber, or phoneNumber with currencyCode (that customer’s oldest active PERSONAL ' +
          'wallet in it). Answers the wallet and its holder’s masked name ("Aline U."), nothing else; ' +
          'limited per caller (RATE_LIMIT_WALLET_LOOKUP_PER_CALLER per window).',
      },
      errors: ['NOT_FOUND', 'TOO_MANY_REQUESTS'],
    })
    .input(walletLookupInput)
    .output(walletLookupSchema)
    .query(({ ctx, input }) => ctx.services.wallets.lookup(ctx.actor, input)),

  get: customerProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/wallets/{id}',
        tags,
        protect: true,
        summary: 'One wallet by id',
        description: "With its current balance. Another customer's wallet is 404, as if it did not exist.",
      },
      errors: ['NOT_FOUND'],
    })
    .input(byIdInput)
    .output(walletSchema)
    .query(({ ctx, input }) => ctx.services.wallets.get(ctx.actor, input.id)),

  statement: customerProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/wallets/{id}/statement',
        tags,
        protect: true,
        summary: "A wallet's statement for a period",
        description:
          'The balance just before from, the balance at to, the period’s total debits and credits, and its ' +
          'postings (COMPLETED and REVERSED) oldest first, each with the balance it left; a line’s ' +
          'description is its statusMessage, else its transaction type’s name. Pages by limit and cursor. ' +
          'format=csv answers every line of the period as a text/csv download instead (no envelope). ' +
          "Another customer's wallet is 404.",
      },
      errors: ['NOT_FOUND'],
    })
    .input(walletStatementInput)
    .output(walletStatementSchema)
    .query(({ ctx, input }) => ctx.services.statements.statement(ctx.actor, input)),

  setStatus: adminProcedure
    .meta({
      openapi: {
        method: 'PUT',
        path: '/wallets/{id}/status',
        tags,
        protect: true,
        summary: "Change a wallet's status (admin)",
        description: 'ACTIVE, INACTIVE or DORMANT: only ACTIVE wallets take part in postings. Audited.',
      },
      errors: ['NOT_FOUND'],
      message: 'Wallet status changed',
    })
    .input(walletStatusInput)
    .output(walletSchema)
    .mutation(({ ctx, input }) => ctx.services.wallets.setStatus(ctx.actor, input)),
} satisfies TRPCRouterRecord;
