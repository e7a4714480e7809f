import { randomBytes } from 'node:crypto';
import type {
  Customer,
  Page,
  Rule,
  Transaction,
  TransactionType,
  Wallet,
  WalletType,
} from '@tekana/contracts';
import fc from 'fast-check';
import {
  createAdminAndSignIn,
  floatWallet,
  registerAndSignIn,
  type SignedIn,
  signIn,
  type TestServer,
} from './harness';
import { type Hints, isRecord, type Operation } from './openapi-arbitraries';

export type Caller = 'nobody' | 'alice' | 'bob' | 'admin';
export const CALLERS: readonly Caller[] = ['nobody', 'alice', 'bob', 'admin'];
export type Party = SignedIn & { name: 'alice' | 'bob' };

/** What the fuzzer fills ids and codes from: the world as it is now, re-read before each operation. */
export type Pools = {
  customers: Customer[];
  wallets: Wallet[];
  transactions: Transaction[];
  walletTypes: WalletType[];
  transactionTypes: TransactionType[];
  cursors: string[];
};

export type FuzzWorld = Awaited<ReturnType<typeof buildWorld>>;

/**
 * The fuzzer's world, made through the public API: an admin (made as `pnpm admin:create` makes one),
 * alice and bob with PERSONAL and MERCHANT wallets in RWF and a PERSONAL one in USD, deposits to both,
 * transfers each way, a payment and a reversed transfer.
 */
export async function buildWorld(server: TestServer) {
  const call = async <T>(caller: SignedIn, method: string, path: string, body?: unknown): Promise<T> => {
    const answer = await server.rest<T>(method, path, body, caller.token);
    if (answer.status >= 300)
      throw new Error(`${method} ${path} answered ${answer.status}: ${answer.body.message}`);
    return answer.body.data;
  };
  /** Every wallet seen so far, by id: who owns it. Wallets never change hands. */
  const owners = new Map<string, { customerId: string; accountNumber: string }>();

  /** Remembers the owner of every wallet an answer shows, whoever asked: the ownership checks stay current. */
  function observe(node: unknown): void {
    if (Array.isArray(node)) for (const item of node) observe(item);
    if (!isRecord(node)) return;
    if ('accountNumber' in node && 'customerId' in node && typeof node.id === 'string') {
      owners.set(node.id, { customerId: String(node.customerId), accountNumber: String(node.accountNumber) });
    }
    for (const value of Object.values(node)) observe(value);
  }

  const admin = await createAdminAndSignIn(server);
  const buildCustomer = async (name: Party['name']): Promise<Party> => {
    const party = { ...(await registerAndSignIn(server)), name };
    for (const [walletTypeCode, currencyCode] of [
      ['PERSONAL', 'RWF'],
      ['MERCHANT', 'RWF'],
      ['PERSONAL', 'USD'],
    ]) {
      await call(party, 'POST', '/wallets', { walletTypeCode, currencyCode });
    }
    return party;
  };
  const [alice, bob] = await Promise.all([buildCustomer('alice'), buildCustomer('bob')]);
  const walletsOf = async (party: Party) =>
    (await call<Page<Wallet>>(admin, 'GET', `/wallets?customerId=${party.customer.id}&limit=100`)).items;
  const floats = () => Promise.all([floatWallet(server, admin), floatWallet(server, admin, 'USD')]);
  const walletTypes = (await call<Page<WalletType>>(admin, 'GET', '/walletTypes?limit=100')).items;
  const personalType = walletTypes.find((t) => t.code === 'PERSONAL')?.id;

  const post = (
    actor: SignedIn,
    transactionTypeCode: string,
    debit: Wallet,
    credit: Wallet,
    amount: number,
  ) =>
    call<Transaction>(actor, 'POST', '/transactions', {
      externalReferenceNumber: `world-${randomBytes(6).toString('hex')}`,
      transactionTypeCode,
      debitedWalletId: debit.id,
      creditedWalletId: credit.id,
      amount,
    });
  const [floatRwf, floatUsd] = await floats();
  const [a, b] = await Promise.all([walletsOf(alice), walletsOf(bob)]);
  observe([...a, ...b, floatRwf, floatUsd]);
  const wallet = (wallets: Wallet[], code: string, currency: string) => {
    const found = wallets.find(
      (w) => w.walletTypeId === walletTypes.find((t) => t.code === code)?.id && w.currencyCode === currency,
    );
    if (!found) throw new Error(`no ${code} ${currency} wallet`);
    return found;
  };
  const [aliceRwf, bobRwf] = [wallet(a, 'PERSONAL', 'RWF'), wallet(b, 'PERSONAL', 'RWF')];
  await post(admin, 'DEPOSIT', floatRwf, aliceRwf, 50_000);
  await post(admin, 'DEPOSIT', floatRwf, bobRwf, 50_000);
  await post(admin, 'DEPOSIT', floatUsd, wallet(a, 'PERSONAL', 'USD'), 10_000);
  const aliceToBob = await post(alice, 'TRANSFER', aliceRwf, bobRwf, 1_000);
  await post(bob, 'TRANSFER', bobRwf, aliceRwf, 700);
  await post(alice, 'PAYMENT', aliceRwf, wallet(b, 'MERCHANT', 'RWF'), 300);
  const reversed = await post(alice, 'TRANSFER', aliceRwf, bobRwf, 200);
  await call(admin, 'POST', `/transactions/${reversed.id}/reverse`, {});

  // What each operation's fuzzing starts from again.
  const baseline = {
    rules: await call<Rule[]>(admin, 'GET', '/rules'),
    transactionTypes: (await call<Page<TransactionType>>(admin, 'GET', '/transactionTypes?limit=100')).items,
  };
  return {
    admin,
    alice,
    bob,
    /** A transfer from alice's PERSONAL RWF wallet to bob's. */
    aliceToBob,
    walletsOf,
    observe,
    owners,

    /** The owner of a wallet, asked of the admin when it was never seen. */
    async ownerOf(walletId: unknown): Promise<string | undefined> {
      if (typeof walletId !== 'string') return undefined;
      if (!owners.has(walletId)) {
        const answer = await server.rest<Wallet>('GET', `/wallets/${walletId}`, undefined, admin.token);
        if (answer.status === 200) observe(answer.body.data);
      }
      return owners.get(walletId)?.customerId;
    },

    tokenOf: (caller: Caller) =>
      ({ alice: alice.token, bob: bob.token, admin: admin.token, nobody: undefined })[caller],
    idOf: (caller: Caller) =>
      ({ alice: alice.customer.id, bob: bob.customer.id, admin: admin.customer.id, nobody: undefined })[
        caller
      ],

    /**
     * Undoes what the previous operation's fuzzing did to the world's working order (frozen wallets,
     * switched-off types, rewritten rules, drained balances), through the API, so that every operation
     * still meets postings that can succeed. Identities never change: the ids checked against stay valid.
     */
    async restore(): Promise<void> {
      // Fuzzing logout signs a caller out: sign them in again, as a person would.
      for (const party of [admin, alice, bob]) {
        const me = await server.rest('GET', '/customers/me', undefined, party.token);
        if (me.status === 401) {
          const { email, phoneNumber } = party.customer;
          party.token = await signIn(server, email, phoneNumber, party.password);
        }
      }
      const [rwf, usd] = await floats();
      const wallets = [...(await walletsOf(alice)), ...(await walletsOf(bob)), rwf, usd];
      for (const w of wallets.filter((w) => w.status !== 'ACTIVE')) {
        await call(admin, 'PUT', `/wallets/${w.id}/status`, { status: 'ACTIVE' });
      }
      const types = (await call<Page<TransactionType>>(admin, 'GET', '/transactionTypes?limit=100')).items;
      for (const type of types) {
        const status = baseline.transactionTypes.find((t) => t.id === type.id)?.status ?? 'INACTIVE';
        if (type.status !== status)
          await call(admin, 'PUT', `/transactionTypes/${type.id}/status`, { status });
      }
      for (const rule of await call<Rule[]>(admin, 'GET', '/rules')) {
        const same = (r: Rule) =>
          r.transactionTypeId === rule.transactionTypeId && r.walletTypeId === rule.walletTypeId;
        const seeded = baseline.rules.find(same) ?? { ...rule, debitAllowed: false, creditAllowed: false };
        if (seeded.debitAllowed !== rule.debitAllowed || seeded.creditAllowed !== rule.creditAllowed) {
          await call(admin, 'PUT', '/rules', seeded);
        }
      }
      // Postings debit the PERSONAL wallets; wallets of the fuzzer's own types take no deposit.
      const low = (w: Wallet) =>
        w.walletTypeId === personalType && w.currencyCode === 'RWF' && w.currentBalance < 20_000;
      for (const w of wallets.filter(low)) await post(admin, 'DEPOSIT', rwf, w, 50_000);
    },

    async readPools(): Promise<Pools> {
      const list = <T>(path: string, as: SignedIn = admin) => call<Page<T>>(as, 'GET', path);
      const [customers, wallets, aliceWallets, bobWallets, types, transactionTypes] = await Promise.all([
        list<Customer>('/customers?limit=100'),
        list<Wallet>('/wallets?limit=100'),
        walletsOf(alice),
        walletsOf(bob),
        list<WalletType>('/walletTypes?limit=100'),
        list<TransactionType>('/transactionTypes?limit=100'),
      ]);
      // The newest postings, and each customer's own (the newest may all be the admin's by now).
      const transactions = await Promise.all(
        [admin, alice, bob].map(async (as) => (await list<Transaction>('/transactions?limit=100', as)).items),
      );
      const cursors = await Promise.all(
        ['/customers', '/wallets', '/transactions', '/walletTypes', '/transactionTypes'].map(
          async (path) => (await list<unknown>(`${path}?limit=1`)).nextCursor,
        ),
      );
      const allWallets = [...aliceWallets, ...bobWallets, ...wallets.items];
      observe(allWallets);
      return {
        customers: [alice.customer, bob.customer, admin.customer, ...customers.items],
        wallets: allWallets,
        transactions: transactions.flat(),
        walletTypes: types.items,
        transactionTypes: transactionTypes.items,
        cursors: cursors.filter((c): c is string => c !== null),
      };
    },
  };
}

/**
 * Real values for fields by name: ids of the caller's own records, of the other customer's, and of what
 * only the admin sees (floats, types, third parties), each group as likely; a posting body that makes
 * sense for the caller; fresh emails, codes and keys beside known ones.
 */
export function hintsFor(world: FuzzWorld, operation: Operation, pools: Pools, caller: Caller): Hints {
  const me = world.idOf(caller);
  const other =
    caller === 'alice' ? world.bob.customer.id : caller === 'bob' ? world.alice.customer.id : undefined;
  const postingOwners = (t: Transaction) =>
    [t.debitedWalletId, t.creditedWalletId].map((id) => world.owners.get(id)?.customerId);
  const ranked = <T>(
    items: T[],
    ownedBy: (item: T) => (string | undefined)[],
    value: (item: T) => unknown,
  ) => {
    const groups = [
      items.filter((i) => ownedBy(i).includes(me)),
      items.filter((i) => !ownedBy(i).includes(me) && ownedBy(i).includes(other)),
      items.filter((i) => !ownedBy(i).includes(me) && !ownedBy(i).includes(other)),
    ].filter((g) => g.length > 0);
    return groups.length > 0 ? fc.oneof(...groups.map((g) => fc.constantFrom(...g.map(value)))) : undefined;
  };
  const ofCustomer = (value: (c: Customer) => unknown) => ranked(pools.customers, (c) => [c.id], value);
  const ofWallet = (value: (w: Wallet) => unknown) => ranked(pools.wallets, (w) => [w.customerId], value);
  const ofPosting = (value: (t: Transaction) => unknown) => ranked(pools.transactions, postingOwners, value);
  const pick = <T>(values: T[]) => (values.length > 0 ? fc.constantFrom(...values) : undefined);
  const walletTypeCodes = pools.walletTypes.map((t) => t.code);
  const transactionTypeCodes = pools.transactionTypes.map((t) => t.code);
  const amounts = fc.oneof(
    fc.integer({ min: 1, max: 5_000 }),
    fc.constantFrom(1, ...pools.transactions.map((t) => t.amount)),
  );
  const fresh = fc.integer({ min: 10_000_000, max: 99_999_999 });
  const freshEmail = fresh.map((n) => `fuzz.${n}@example.rw`);
  const resource = operation.path.split('/')[1] ?? '';
  const ids: Record<string, fc.Arbitrary<unknown> | undefined> = {
    customers: ofCustomer((c) => c.id),
    wallets: ofWallet((w) => w.id),
    transactions: ofPosting((t) => t.id),
    transactionTypes: pick(pools.transactionTypes.map((t) => t.id)),
  };
  const byName: Record<string, fc.Arbitrary<unknown> | undefined> = {
    id: ids[resource],
    customerId: ids.customers,
    walletId: ids.wallets,
    debitedWalletId: ids.wallets,
    creditedWalletId: ids.wallets,
    reversalOf: ids.transactions,
    walletTypeId: pick(pools.walletTypes.map((t) => t.id)),
    transactionTypeId: ids.transactionTypes,
    email: fc.oneof(ofCustomer((c) => c.email) ?? freshEmail, freshEmail),
    phoneNumber: ofCustomer((c) => c.phoneNumber),
    idNumber: ofCustomer((c) => c.idNumber),
    accountNumber: ofWallet((w) => w.accountNumber),
    referenceNumber: ofPosting((t) => t.referenceNumber),
    // A known key replays or conflicts; a fresh one posts.
    externalReferenceNumber: fc.oneof(
      fc.constantFrom('world-key', ...pools.transactions.map((t) => t.externalReferenceNumber)),
      fc.uuid().map((u) => `fuzz-${u}`),
    ),
    code: fc.oneof(
      fc.constantFrom(...(resource === 'walletTypes' ? walletTypeCodes : transactionTypeCodes)),
      fresh.map((n) => `FUZZ_${n}`),
    ),
    walletTypeCode: pick(walletTypeCodes),
    transactionTypeCode: pick(transactionTypeCodes),
    cursor: pick(pools.cursors),
    password: fc.constant(world.alice.password),
    amount: amounts,
    minAmount: amounts,
    maxAmount: amounts,
    limit: fc.integer({ min: 1, max: 100 }),
    pageSize: fc.integer({ min: 1, max: 100 }),
    page: fc.integer({ min: 1, max: 3 }),
    'transactions[]': postingFor(world, pools, caller),
    body: {
      '/transactions': postingFor(world, pools, caller),
      '/customers/register': fresh.map((n) => ({
        firstName: 'Fuzz',
        lastName: `Registrant${n}`,
        email: `fuzz.${n}@example.rw`,
        phoneNumber: `+2507${n}`,
        idType: 'NID',
        idNumber: `FUZZ${n}`,
        gender: 'MALE',
        password: 'fuzz-password-42',
      })),
    }[operation.path],
  };
  return (name) => byName[name];
}

/**
 * A posting the caller may plausibly make: a customer from an own wallet to any other of the same
 * currency, an admin between any two; typed by the wallets' kinds as the seeded rules expect.
 */
function postingFor(world: FuzzWorld, pools: Pools, caller: Caller) {
  const kind = new Map(pools.walletTypes.map((t) => [t.id, t]));
  const me = world.idOf(caller);
  const debits = caller === 'admin' ? pools.wallets : pools.wallets.filter((w) => w.customerId === me);
  const pairs = debits.flatMap((d) =>
    pools.wallets
      .filter((c) => c.id !== d.id && c.currencyCode === d.currencyCode)
      .map((c) => [d, c] as const),
  );
  if (pairs.length === 0) return undefined;
  const typeCode = (debited: Wallet, credited: Wallet) => {
    if (kind.get(debited.walletTypeId)?.allowNegativeBalance) return 'DEPOSIT';
    if (kind.get(credited.walletTypeId)?.allowNegativeBalance) return 'WITHDRAWAL';
    return kind.get(credited.walletTypeId)?.code === 'MERCHANT' ? 'PAYMENT' : 'TRANSFER';
  };
  return fc
    .tuple(fc.constantFrom(...pairs), fc.integer({ min: 1, max: 2_000 }), fc.uuid())
    .map(([[debited, credited], amount, key]) => ({
      externalReferenceNumber: `fuzz-${key}`,
      transactionTypeCode: typeCode(debited, credited),
      debitedWalletId: debited.id,
      creditedWalletId: credited.id,
      amount,
    }));
}
