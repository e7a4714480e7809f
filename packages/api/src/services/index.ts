import type { Logger } from '../ports/logger';
import { createAuditService } from './audit';
import { type AuthDeps, createAuthService } from './auth';
import { createCustomerService } from './customers';
import { createDailyMaintenance } from './daily-maintenance';
import { createHoldSweeper } from './hold-sweeper';
import { createHoldService } from './holds';
import { createLedgerService, type LedgerDeps } from './ledger';
import { createNoticeRelay, type NoticeRelayControl } from './notice-relay';
import { createPeriodLimitService } from './period-limits';
import { createReadYourWrites, type ReadYourWritesDeps } from './read-your-writes';
import { createRuleService } from './rules';
import { createStatementService } from './statements';
import { createTransactionTypeService } from './transaction-types';
import { createTransactionService } from './transactions';
import { createWalletTypeService } from './wallet-types';
import { createWalletService } from './wallets';

/** Everything the services need, chosen once at start-up by the server. */
export type ServiceDeps = AuthDeps &
  LedgerDeps &
  ReadYourWritesDeps & {
    log: Logger;
    /** A relay that runs elsewhere (a thread of the server's own); else one in this process. */
    noticeRelay?: NoticeRelayControl;
    /** How often each server voids the holds nobody captured in time (default 5 s). */
    holdSweepIntervalMs?: number;
  };

export function createServices(deps: ServiceDeps) {
  const noticeRelay = deps.noticeRelay ?? createNoticeRelay(deps);
  const wallets = createWalletService(deps);
  const holds = createHoldService({
    database: deps.database,
    clock: deps.clock,
    limitsTimeZone: deps.limitsTimeZone,
    wakeNoticeRelay: noticeRelay.wake,
  });
  return {
    auth: createAuthService(deps),
    customers: createCustomerService(deps),
    walletTypes: createWalletTypeService(deps),
    wallets,
    statements: createStatementService({ ...deps, wallets }),
    transactionTypes: createTransactionTypeService(deps),
    rules: createRuleService(deps),
    periodLimits: createPeriodLimitService(deps),
    ledger: createLedgerService({ ...deps, wakeNoticeRelay: noticeRelay.wake }),
    /** Started by the server; moves committed notices from the outbox to the SMS queue. */
    noticeRelay,
    /** Started by the server; makes the months of postings ahead, at start and then daily. */
    dailyMaintenance: createDailyMaintenance(deps),
    /** Capture and void of holds, which the engine places as PENDING postings. */
    holds,
    /** Started by the server; voids the holds nobody captured in time. */
    holdSweeper: createHoldSweeper({
      holds,
      log: deps.log,
      intervalMs: deps.holdSweepIntervalMs ?? 5_000,
    }),
    transactions: createTransactionService(deps),
    audit: createAuditService(deps),
    /** Routes each procedure's reads where its caller's recent writes are visible (replicas or primary). */
    readYourWrites: createReadYourWrites(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
