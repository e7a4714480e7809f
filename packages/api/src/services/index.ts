import { type AuthDeps, createAuthService } from './auth';
import { createCustomerService } from './customers';
import { createLedgerService, type LedgerDeps } from './ledger';
import { createRuleService } from './rules';
import { createTransactionTypeService } from './transaction-types';
import { createTransactionService } from './transactions';
import { createWalletTypeService } from './wallet-types';
import { createWalletService } from './wallets';

/** Everything the services need, chosen once at start-up by the server. */
export type ServiceDeps = AuthDeps & LedgerDeps;

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
