import { isRecord } from './openapi-arbitraries';
import type { FuzzWorld, Party } from './openapi-fuzz-world';

const isWallet = (node: Record<string, unknown>) => 'accountNumber' in node && 'currentBalance' in node;
const isCustomer = (node: Record<string, unknown>) => 'idNumber' in node && 'role' in node;
const isWalletLookup = (node: Record<string, unknown>) => 'walletId' in node && 'holderName' in node;
const LOOKUP_FIELDS = ['walletId', 'accountNumber', 'currencyCode', 'walletTypeCode', 'holderName'];
const isTransaction = (node: Record<string, unknown>) =>
  'debitedWalletId' in node && 'creditedWalletId' in node && 'debitedWalletBalance' in node;

/** What only `other` may see of themselves: their identity, their wallets' ids and account numbers. */
function secretsOf(world: FuzzWorld, other: Party): [what: string, value: string][] {
  const { id, email, phoneNumber, idNumber } = other.customer;
  const wallets = [...world.owners].filter(([, o]) => o.customerId === id);
  return [
    ['customer id', id],
    ['email', email],
    ['phone number', phoneNumber],
    ['ID number', idNumber],
    ...wallets.map(([walletId]): [string, string] => ['wallet id', walletId]),
    ...wallets.map(([, o]): [string, string] => ['account number', o.accountNumber]),
  ];
}

/**
 * What `viewer` must not see in an answer: another customer's record, wallet or transaction, and
 * `other`'s identity anywhere (messages included); the counterparty's wallet id in the viewer's own
 * posting is part of that posting, and a wallet lookup's answer names the wallet it was asked for. The balance of a wallet the viewer does not own is returned apart
 * (`balances`), so that a test can hold it to its own expectation. `registered`: the email a register
 * request sent, whose answer is the record just made, whatever token came with it.
 */
export async function leaksIn(
  world: FuzzWorld,
  body: unknown,
  viewer: Party,
  other: Party,
  registered?: string,
) {
  const secrets = secretsOf(world, other).map(([what, value]) => [what, value.toLowerCase()] as const);
  const leaks: string[] = [];
  const balances: string[] = [];
  const visit = async (node: unknown, at: string): Promise<void> => {
    if (typeof node === 'string') {
      const lower = node.toLowerCase();
      for (const [what, secret] of secrets) {
        if (lower.includes(secret)) leaks.push(`${at} holds ${other.name}'s ${what}`);
      }
      return;
    }
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) await visit(item, `${at}/${i}`);
      return;
    }
    if (!isRecord(node)) return;
    const skipped = new Set<string>();
    if (isWallet(node) && node.customerId !== viewer.customer.id) {
      leaks.push(`${at} is a wallet of customer ${String(node.customerId)}`);
    }
    if (isCustomer(node) && node.id !== viewer.customer.id && node.email !== registered) {
      leaks.push(`${at} is the record of customer ${String(node.id)}`);
    }
    // A payee's wallet found by the account number or phone the caller gave: its id and account number
    // are what a payment needs; any other field would say more about the holder than the lookup may.
    if (isWalletLookup(node)) {
      skipped.add('walletId').add('accountNumber');
      const extra = Object.keys(node).filter((key) => !LOOKUP_FIELDS.includes(key));
      if (extra.length > 0) leaks.push(`${at} is a wallet lookup that also shows ${extra.join(', ')}`);
    }
    if (isTransaction(node)) {
      const own = {
        debited: (await world.ownerOf(node.debitedWalletId)) === viewer.customer.id,
        credited: (await world.ownerOf(node.creditedWalletId)) === viewer.customer.id,
      };
      if (!own.debited && !own.credited)
        leaks.push(`${at} is a transaction between wallets not the caller's`);
      else skipped.add('debitedWalletId').add('creditedWalletId');
      for (const side of ['debited', 'credited'] as const) {
        const balance = node[`${side}WalletBalance`];
        if (!own[side] && balance !== null) {
          balances.push(`${at}/${side}WalletBalance is ${String(balance)}, of a wallet not the caller's`);
        }
      }
    }
    for (const [key, value] of Object.entries(node)) {
      if (!skipped.has(key)) await visit(value, `${at}/${key}`);
    }
  };
  await visit(body, '');
  return { leaks, balances };
}
