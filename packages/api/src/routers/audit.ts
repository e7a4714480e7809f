import { auditEntrySchema, auditListInput, pageOf } from '@tekana/contracts';
import type { TRPCRouterRecord } from '@trpc/server';
import { adminProcedure } from '../trpc';

const tags = ['audit'];

export const auditRouter = {
  list: adminProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/audit',
        tags,
        protect: true,
        summary: 'List the audit log (admin)',
        description:
          'Every admin action, recorded in the same database transaction as the change: wallet type, ' +
          'transaction type and rule changes, wallet creations and status changes, postings by an admin ' +
          '(deposits, withdrawals, any other), reversals, and admin creations. Each entry says who ' +
          '(actorId, actorRole), when (createdAt, the database time), what (action, entityType, entityId) ' +
          'and the entity before and after (null before a creation). Append-only. Newest first; filters ' +
          'actorId, action, entityType, entityId, from and to (ISO date-times, both inclusive).',
      },
    })
    .input(auditListInput)
    .output(pageOf(auditEntrySchema))
    .query(({ ctx, input }) => ctx.services.audit.list(input)),
} satisfies TRPCRouterRecord;
