import { CURRENCY_EXPONENTS, type CurrencyCode, type SmsJob } from '@tekana/contracts';
import type { LockedWallet, TransactionRow } from '@tekana/db';
import type { Logger } from '../ports/logger';
import type { SmsQueue } from '../ports/sms-queue';

/** 1234567 USD cents → "12,345.67 USD". */
export function formatMoney(amount: number, currencyCode: CurrencyCode): string {
  const exponent = CURRENCY_EXPONENTS[currencyCode];
  const scale = 10 ** exponent;
  const major = Math.floor(Math.abs(amount) / scale).toLocaleString('en-US');
  const minor = exponent > 0 ? `.${String(Math.abs(amount) % scale).padStart(exponent, '0')}` : '';
  return `${amount < 0 ? '-' : ''}${major}${minor} ${currencyCode}`;
}

/** The debit and credit notices of a posting; the system account (the floats) has no phone to tell. */
export function noticesFor(row: TransactionRow, debited: LockedWallet, credited: LockedWallet): SmsJob[] {
  const money = (amount: number) => formatMoney(amount, row.currencyCode);
  const what = row.reversalOf ? 'Reversal: ' : '';
  const notices: SmsJob[] = [];
  if (debited.owner.role !== 'SYSTEM') {
    notices.push({
      to: debited.owner.phoneNumber,
      kind: 'DEBIT_NOTICE',
      text: `Tekana: ${what}${money(row.amount)} debited from account ${debited.accountNumber}. Ref ${row.referenceNumber}. Balance ${money(row.debitedWalletBalance)}.`,
    });
  }
  if (credited.owner.role !== 'SYSTEM') {
    notices.push({
      to: credited.owner.phoneNumber,
      kind: 'CREDIT_NOTICE',
      text: `Tekana: ${what}${money(row.amount)} credited to account ${credited.accountNumber}. Ref ${row.referenceNumber}. Balance ${money(row.creditedWalletBalance)}.`,
    });
  }
  return notices;
}

/**
 * Queues notices after the commit without the response waiting for them: a queue that is slow or down
 * must never fail, undo or delay a posting. Failures are logged without the text (it holds balances).
 */
export function createNoticeSender(smsQueue: SmsQueue, log: Logger) {
  async function enqueueQuietly(job: SmsJob, transactionId: string) {
    try {
      await smsQueue.enqueue(job);
    } catch (error) {
      log.warn(
        { err: error, kind: job.kind, transactionId },
        'Could not queue an SMS notice; the posting stands',
      );
    }
  }
  return {
    send(notices: SmsJob[], transactionId: string): void {
      for (const job of notices) void enqueueQuietly(job, transactionId);
    },
  };
}
