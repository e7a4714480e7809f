import { customerRouter } from './routers/customer';
import { createTRPCRouter } from './trpc';

export const appRouter = createTRPCRouter({
  customer: customerRouter,
});

export type AppRouter = typeof appRouter;
