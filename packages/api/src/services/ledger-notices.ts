import { CURRENCY_EXPONENTS, type CurrencyCode, type SmsJob } from '@tekana/contracts';
import type { LockedWallet, NewOutboxNotice, NewPosting } from '@tekana/db';

/** 1234567 USD cents → "12,345.67 USD". */
// Made once: `toLocaleString` builds a formatter on every call, four times per posting.
const GROUPED = new Intl.NumberFormat('en-US');

export function formatMoney(amount: number, currencyCode: CurrencyCode): string {
  const exponent = CURRENCY_EXPONENTS[currencyCode];
  const scale = 10 ** exponent;
  const major = GROUPED.format(Math.floor(Math.abs(amount) / scale));
  const minor = exponent > 0 ? `.${String(Math.abs(amount) % scale).padStart(exponent, '0')}` : '';
  return `${amount < 0 ? '-' : ''}${major}${minor} ${currencyCode}`;
}

/** The debit and credit notices of a posting; the system account (the floats) has no phone to tell. */
export function noticesFor(row: NewPosting, debited: LockedWallet, credited: LockedWallet): SmsJob[] {
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

/** The same notices as outbox rows, written in the posting's own database transaction. */
export function outboxNoticesFor(
  row: NewPosting,
  debited: LockedWallet,
  credited: LockedWallet,
): NewOutboxNotice[] {
  return noticesFor(row, debited, credited).map((job) => ({
    transactionId: row.id,
    kind: job.kind,
    recipient: job.to,
    text: job.text,
  }));
}
