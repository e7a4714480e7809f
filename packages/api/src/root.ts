import { auditRouter } from './routers/audit';
import { customerRouter } from './routers/customer';
import { limitRouter } from './routers/limit';
import { transactionRouter } from './routers/transaction';
import { transactionTypeRouter } from './routers/transaction-type';
import { walletRouter } from './routers/wallet';
import { walletTypeRouter } from './routers/wallet-type';
import { createTRPCRouter } from './trpc';

export const appRouter = createTRPCRouter({
  customer: customerRouter,
  walletType: walletTypeRouter,
  wallet: walletRouter,
  transactionType: transactionTypeRouter,
  transaction: transactionRouter,
  audit: auditRouter,
  limit: limitRouter,
});

export type AppRouter = typeof appRouter;
