import type { Database } from '@tekana/db';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { OtpStore } from '../ports/otp-store';
import type { RateLimiter } from '../ports/rate-limiter';
import type { SmsQueue } from '../ports/sms-queue';
import { createAuthService } from './auth';
import { createCustomerService } from './customers';
import { createLedgerService } from './ledger';
import { createRuleService } from './rules';
import { createTransactionTypeService } from './transaction-types';
import { createTransactionService } from './transactions';
import { createWalletTypeService } from './wallet-types';
import { createWalletService } from './wallets';

/** Everything the services need, chosen once at start-up by the server. */
export type ServiceDeps = {
  database: Database;
  otpStore: OtpStore;
  smsQueue: SmsQueue;
  clock: Clock;
  log: Logger;
  limits: {
    loginPerIp: RateLimiter;
    loginPerAccount: RateLimiter;
    otpPerIp: RateLimiter;
    otpPerAccount: RateLimiter;
  };
  jwtSecret: string;
  jwtTtl: string;
  otpTtlSeconds: number;
};

export function createServices(deps: ServiceDeps) {
  return {
    auth: createAuthService(deps),
    customers: createCustomerService(deps),
    walletTypes: createWalletTypeService(deps),
    wallets: createWalletService(deps),
    transactionTypes: createTransactionTypeService(deps),
    rules: createRuleService(deps),
    ledger: createLedgerService(deps),
    transactions: createTransactionService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
