import {
  type Actor,
  type CurrencyCode,
  DomainError,
  type ErrorCode,
  type NewPostingRefusal,
  type PostingRefusal,
  type ReversalRefusal,
} from '@tekana/contracts';
import type { LockedWallet, TransactionRow, TransactionTypeRow, WalletTypeRuleRow } from '@tekana/db';

/** Why a posting (or a capture or void of a hold) is refused; nothing is written when there is one. */
export type Refusal<C extends ErrorCode = PostingRefusal> = { code: C; message: string };

export type PostingCandidate = {
  amount: number;
  currencyCode?: CurrencyCode | undefined;
  transactionType: TransactionTypeRow;
  rules: WalletTypeRuleRow[];
  debited: LockedWallet;
  credited: LockedWallet;
};

/** Money enters and leaves through these: the system's wallets, and any wallet allowed to go negative. */
export const isFloat = (wallet: LockedWallet) =>
  wallet.owner.role === 'SYSTEM' || wallet.type.allowNegativeBalance;

/**
 * Who may post (README, "Money model"): an admin anything; a customer only from their own
 * wallet, and never against a float (deposits and withdrawals are an admin's).
 */
export function authorizePosting(actor: Actor, debited?: LockedWallet, credited?: LockedWallet) {
  if (actor.role !== 'ADMIN') {
    if (!debited || debited.customerId !== actor.id) {
      throw new DomainError('FORBIDDEN', 'You may debit only your own wallets');
    }
    if (isFloat(debited) || (credited && isFloat(credited))) {
      throw new DomainError('FORBIDDEN', 'Deposits and withdrawals against the float are posted by an admin');
    }
  }
  if (!debited || !credited) throw new DomainError('NOT_FOUND', 'No such wallet');
  return { debited, credited };
}

export const refuse = <C extends ErrorCode>(code: C, message: string): Refusal<C> => ({ code, message });

/** Money moves only between ACTIVE wallets: the answer names the first side that is not. */
export function inactiveWalletRefusal(wallets: {
  debited: LockedWallet;
  credited: LockedWallet;
}): Refusal<'WALLET_INACTIVE'> | undefined {
  // Named by its side, not its account number: the credited wallet may be another customer's.
  const inactive = (['debited', 'credited'] as const).find((side) => wallets[side].status !== 'ACTIVE');
  return inactive && refuse('WALLET_INACTIVE', `The ${inactive} wallet is ${wallets[inactive].status}`);
}

/** The credited balance must stay an exact JSON number. */
export const creditOverflows = (credited: LockedWallet, amount: number) =>
  credited.currentBalance + amount > Number.MAX_SAFE_INTEGER;

/** The checks of a posting, in the order the README's "Money model" lists them; the first that fails is the answer. */
export function postingRefusal(p: PostingCandidate): Refusal<NewPostingRefusal> | undefined {
  const { amount, transactionType: type, debited, credited } = p;
  const inactive = inactiveWalletRefusal(p);
  if (inactive) return inactive;
  const currencies = new Set([
    debited.currencyCode,
    credited.currencyCode,
    p.currencyCode ?? debited.currencyCode,
  ]);
  if (currencies.size > 1) {
    return refuse('CURRENCY_MISMATCH', `One transaction cannot mix ${[...currencies].join(' and ')}`);
  }
  if (type.status !== 'ACTIVE') {
    return refuse('TRANSACTION_TYPE_INACTIVE', `Transaction type ${type.code} is INACTIVE`);
  }
  const rule = (w: LockedWallet) => p.rules.find((r) => r.walletTypeId === w.walletTypeId);
  if (!rule(debited)?.debitAllowed) {
    return refuse('DEBIT_NOT_ALLOWED', `A ${type.code} may not debit a ${debited.type.code} wallet`);
  }
  if (!rule(credited)?.creditAllowed) {
    return refuse('CREDIT_NOT_ALLOWED', `A ${type.code} may not credit a ${credited.type.code} wallet`);
  }
  const walletTypes = [debited.type, credited.type];
  const minimum = Math.max(type.minimumAmount, ...walletTypes.map((t) => t.minimumTransactionAmount));
  const maximum = Math.min(type.maximumAmount, ...walletTypes.map((t) => t.maximumTransactionAmount));
  if (amount < minimum || amount > maximum || creditOverflows(credited, amount)) {
    return refuse('AMOUNT_OUT_OF_RANGE', `The amount must be between ${minimum} and ${maximum} here`);
  }
  return overdraft(debited, amount);
}

/** A reversal is a correction: it skips rules and limits, but may neither repeat nor overdraw. */
export function reversalRefusal(
  original: TransactionRow,
  debited: LockedWallet,
): Refusal<ReversalRefusal> | undefined {
  if (original.reversalOf) return refuse('NOT_REVERSIBLE', 'A reversal cannot itself be reversed');
  if (original.status === 'REVERSED') {
    return refuse('ALREADY_REVERSED', 'This transaction is already reversed');
  }
  if (original.status !== 'COMPLETED') {
    return refuse('NOT_REVERSIBLE', `A ${original.status} transaction cannot be reversed`);
  }
  return overdraft(debited, original.amount);
}

/** Against the available balance: what pending holds reserve is spent already (README, "Holds"). */
function overdraft(debited: LockedWallet, amount: number): Refusal<'INSUFFICIENT_FUNDS'> | undefined {
  if (debited.type.allowNegativeBalance || debited.currentBalance - debited.heldBalance >= amount)
    return undefined;
  return refuse('INSUFFICIENT_FUNDS', `Wallet ${debited.accountNumber} does not hold enough for this`);
}
