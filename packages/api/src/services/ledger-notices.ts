import { CURRENCY_EXPONENTS, type CurrencyCode } from '@tekana/contracts';
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

/** A posting that moved money, with its two wallets; the postings of one bulk call share `bulk`. */
export type NoticedPosting = {
  row: NewPosting;
  debited: LockedWallet;
  credited: LockedWallet;
  bulk?: BulkCall;
};

/** The identity of one bulk call, shared by its items wherever the engine batches them. */
export type BulkCall = object;

type Side = 'DEBIT_NOTICE' | 'CREDIT_NOTICE';

/** The postings that one SMS tells a wallet's owner about: one, or several of one bulk call. */
type Told = { side: Side; wallet: LockedWallet; rows: NewPosting[] };

/**
 * The outbox rows for postings that moved money, written in their own database transaction. Each
 * posting tells each side that is a customer (the floats' system account has no phone). A wallet that
 * several postings of one bulk call move on the same side is told once, for all of them: how many, the
 * total, the first reference and the balance after the last. A payroll's payer gets one SMS, not a
 * hundred; each payee still gets their own.
 */
export function outboxNoticesFor(postings: NoticedPosting[]): NewOutboxNotice[] {
  const told: Told[] = [];
  // Per bulk call, its notices so far by side and wallet.
  const bulkNotices = new Map<BulkCall, Map<string, Told>>();
  const noticesOf = (bulk: BulkCall) => {
    const notices = bulkNotices.get(bulk) ?? new Map<string, Told>();
    bulkNotices.set(bulk, notices);
    return notices;
  };
  const tell = (side: Side, wallet: LockedWallet, row: NewPosting, bulk: BulkCall | undefined) => {
    if (wallet.owner.role === 'SYSTEM') return;
    const sameCall = bulk ? noticesOf(bulk) : undefined;
    const key = `${side}:${wallet.id}`;
    const earlier = sameCall?.get(key);
    if (earlier) {
      earlier.rows.push(row);
      return;
    }
    const notice: Told = { side, wallet, rows: [row] };
    sameCall?.set(key, notice);
    told.push(notice);
  };
  for (const { row, debited, credited, bulk } of postings) {
    tell('DEBIT_NOTICE', debited, row, bulk);
    tell('CREDIT_NOTICE', credited, row, bulk);
  }
  return told.map(({ side, wallet, rows }) => {
    const last = rows[rows.length - 1] as NewPosting;
    return {
      transactionId: last.id,
      kind: side,
      recipient: wallet.owner.phoneNumber,
      text: noticeText(side, wallet, rows),
    };
  });
}

function noticeText(side: Side, wallet: LockedWallet, rows: NewPosting[]): string {
  const [first] = rows as [NewPosting, ...NewPosting[]];
  const last = rows[rows.length - 1] as NewPosting;
  const money = (amount: number) => formatMoney(amount, first.currencyCode);
  const total = rows.reduce((sum, row) => sum + row.amount, 0);
  const [moved, balance] =
    side === 'DEBIT_NOTICE'
      ? [`debited from account ${wallet.accountNumber}`, last.debitedWalletBalance]
      : [`credited to account ${wallet.accountNumber}`, last.creditedWalletBalance];
  if (rows.length > 1) {
    return `Tekana: ${money(total)} ${moved} in ${rows.length} transactions. Ref ${first.referenceNumber} and ${rows.length - 1} more. Balance ${money(balance)}.`;
  }
  const what = first.reversalOf ? 'Reversal: ' : '';
  return `Tekana: ${what}${money(total)} ${moved}. Ref ${first.referenceNumber}. Balance ${money(balance)}.`;
}
