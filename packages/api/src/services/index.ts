import type { Logger } from '../ports/logger';
import { createAuditService } from './audit';
import { type AuthDeps, createAuthService } from './auth';
import { createCustomerService } from './customers';
import { createLedgerService, type LedgerDeps } from './ledger';
import { createNoticeRelay } from './notice-relay';
import { createPeriodLimitService } from './period-limits';
import { createReadYourWrites, type ReadYourWritesDeps } from './read-your-writes';
import { createRuleService } from './rules';
import { createTransactionTypeService } from './transaction-types';
import { createTransactionService } from './transactions';
import { createWalletTypeService } from './wallet-types';
import { createWalletService } from './wallets';

/** Everything the services need, chosen once at start-up by the server. */
export type ServiceDeps = AuthDeps & LedgerDeps & ReadYourWritesDeps & { log: Logger };

export function createServices(deps: ServiceDeps) {
  const noticeRelay = createNoticeRelay(deps);
  return {
    auth: createAuthService(deps),
    customers: createCustomerService(deps),
    walletTypes: createWalletTypeService(deps),
    wallets: createWalletService(deps),
    transactionTypes: createTransactionTypeService(deps),
    rules: createRuleService(deps),
    periodLimits: createPeriodLimitService(deps),
    ledger: createLedgerService({ ...deps, wakeNoticeRelay: noticeRelay.wake }),
    /** Started by the server; moves committed notices from the outbox to the SMS queue. */
    noticeRelay,
    transactions: createTransactionService(deps),
    audit: createAuditService(deps),
    /** Routes each procedure's reads where its caller's recent writes are visible (replicas or primary). */
    readYourWrites: createReadYourWrites(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
