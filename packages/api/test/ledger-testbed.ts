import { randomBytes, randomInt } from 'node:crypto';
import {
  type Actor,
  type CurrencyCode,
  DomainError,
  type ErrorCode,
  type LimitSetInput,
  type Role,
  type SmsJob,
  type TransactionCreateInput,
} from '@tekana/contracts';
import { customers, type Database, findFloatWallet, makePartitionsAhead, smsOutbox } from '@tekana/db';
import { asc, eq } from 'drizzle-orm';
import type { Clock } from '../src/ports/clock';
import type { Logger } from '../src/ports/logger';
import { silentLogger } from '../src/ports/logger';
import { createMemoryOtpStore } from '../src/ports/otp-store';
import { createMemoryRateLimiter } from '../src/ports/rate-limiter';
import type { SmsQueue } from '../src/ports/sms-queue';
import { createMemoryTokenRevocations } from '../src/ports/token-revocations';
import { createServices } from '../src/services';

/** Our own SMS port, faked: it records what the ledger queued, or fails when told to. */
export type RecordingSmsQueue = SmsQueue & { jobs: SmsJob[]; failing: boolean };

export function createRecordingSmsQueue(): RecordingSmsQueue {
  const queue: RecordingSmsQueue = {
    jobs: [],
    failing: false,
    async enqueue(job) {
      if (queue.failing) throw new Error('queue unavailable');
      queue.jobs.push(job);
    },
    async enqueueMany(jobs) {
      if (queue.failing) throw new Error('queue unavailable');
      queue.jobs.push(...jobs.map((j) => j.job));
    },
    async close() {},
  };
  return queue;
}

/** A logger that keeps its calls, to check what a failure logs (and that it never logs an SMS text). */
export function createRecordingLogger(): Logger & { lines: { level: string; obj: object; msg?: string }[] } {
  const lines: { level: string; obj: object; msg?: string }[] = [];
  const record = (level: string) => (obj: object, msg?: string) => void lines.push({ level, obj, msg });
  return { lines, info: record('info'), warn: record('warn'), error: record('error') };
}

export type Testbed = Awaited<ReturnType<typeof createTestbed>>;

/**
 * The ledger's services over a real database, with fixture factories. Every test makes its own customers
 * and wallets here: the database is shared by all test files of a run.
 */
export async function createTestbed(
  database: Database,
  options: { log?: Logger; clock?: Clock; limitsTimeZone?: string } = {},
) {
  await database.migrate();
  // A clock of the test's own may stand in a past month, which a server would not have made: its postings
  // need their month of `transactions` (README, "Postings by month").
  if (options.clock) await makePartitionsAhead(database, { from: options.clock.now() });
  const sms = createRecordingSmsQueue();
  const limit = () =>
    createMemoryRateLimiter(randomBytes(4).toString('hex'), { points: 1_000, durationSeconds: 60 });
  const services = createServices({
    database,
    otpStore: createMemoryOtpStore(5),
    revocations: createMemoryTokenRevocations(),
    smsQueue: sms,
    clock: options.clock ?? { now: () => new Date() },
    limitsTimeZone: options.limitsTimeZone ?? 'Africa/Kigali',
    log: options.log ?? silentLogger,
    limits: {
      loginPerIp: limit(),
      loginPerAccount: limit(),
      otpPerIp: limit(),
      otpPerAccount: limit(),
      walletLookupPerCaller: limit(),
    },
    jwtSecret: randomBytes(32).toString('hex'),
    jwtTtl: '1h',
    otpTtlSeconds: 300,
  });

  /** A customer row of its own (without a password: these tests never log in). */
  async function makeCustomer(
    role: Exclude<Role, 'SYSTEM'> = 'CUSTOMER',
  ): Promise<Actor & { phoneNumber: string }> {
    const tag = randomBytes(6).toString('hex');
    const phoneNumber = `+9${String(randomInt(1e13, 1e14))}`;
    const [row] = await database.db
      .insert(customers)
      .values({
        firstName: 'Test',
        lastName: `Customer ${tag}`,
        email: `${tag}@ledger.test`,
        phoneNumber,
        idType: 'NID',
        idNumber: `T${tag}`,
        gender: 'FEMALE',
        role,
      })
      .returning();
    if (!row) throw new Error('no customer row');
    return { id: row.id, role, phoneNumber };
  }

  const admin = await makeCustomer('ADMIN');

  async function float(currencyCode: CurrencyCode = 'RWF') {
    const wallet = await findFloatWallet(database.db, currencyCode);
    if (!wallet) throw new Error(`no ${currencyCode} float`);
    return wallet;
  }

  const ref = () => `test-${randomBytes(8).toString('hex')}`;

  async function deposit(walletId: string, amount: number, currencyCode: CurrencyCode = 'RWF') {
    const from = await float(currencyCode);
    return services.ledger.post(admin, posting('DEPOSIT', from.id, walletId, amount, ref()));
  }

  const bed = {
    database,
    services,
    sms,
    admin,
    makeCustomer,
    float,
    ref,
    async openWallet(owner: Actor, walletTypeCode = 'PERSONAL', currencyCode: CurrencyCode = 'RWF') {
      return services.wallets.create(admin, { customerId: owner.id, walletTypeCode, currencyCode });
    },
    /** A customer with one wallet holding `balance`, deposited from the float by the admin. */
    async fundedCustomer(balance: number, currencyCode: CurrencyCode = 'RWF', walletTypeCode = 'PERSONAL') {
      const customer = await makeCustomer();
      const wallet = await services.wallets.create(customer, { walletTypeCode, currencyCode });
      if (balance > 0) await deposit(wallet.id, balance, currencyCode);
      return { customer, wallet };
    },
    deposit,
    /**
     * A wallet type of the test's own, allowed what PERSONAL is (deposits in, withdrawals out, transfers
     * both ways, payments out): what a test sets on it, such as a limit, touches no other test.
     */
    async ownWalletType() {
      const code = `W_${randomBytes(5).toString('hex').toUpperCase()}`;
      const walletType = await services.walletTypes.create(admin, {
        code,
        name: code,
        minimumTransactionAmount: 1,
        maximumTransactionAmount: 10_000_000,
        allowNegativeBalance: false,
      });
      const allowed = {
        DEPOSIT: [false, true],
        WITHDRAWAL: [true, false],
        TRANSFER: [true, true],
        PAYMENT: [true, false],
      };
      for (const [typeCode, [debitAllowed = false, creditAllowed = false]] of Object.entries(allowed)) {
        const [type] = (await services.transactionTypes.list({ code: typeCode })).items;
        if (!type) throw new Error(`no ${typeCode} transaction type`);
        await services.rules.set(admin, {
          transactionTypeId: type.id,
          walletTypeId: walletType.id,
          debitAllowed,
          creditAllowed,
        });
      }
      return walletType;
    },
    /**
     * The SMS notices a posting wrote to the outbox, in its own transaction, as jobs for the queue, until a
     * relay takes them: on a database that no server's relay serves.
     */
    async noticesOf(transactionId: string): Promise<SmsJob[]> {
      const rows = await database.db
        .select()
        .from(smsOutbox)
        .where(eq(smsOutbox.transactionId, transactionId))
        .orderBy(asc(smsOutbox.id));
      return rows.map((r) => ({ to: r.recipient, text: r.text, kind: r.kind as SmsJob['kind'] }));
    },
    async balanceOf(walletId: string) {
      return (await services.wallets.get(admin, walletId)).currentBalance;
    },
    /**
     * A sender on a wallet type of its own with `limits` set on it (so they touch no other test), funded
     * with `balance`, a payee, and ways to send to the payee or hold for it.
     */
    async limitedSender(balance: number, limits: Omit<LimitSetInput, 'walletTypeId'>[]) {
      const walletType = await bed.ownWalletType();
      for (const limit of limits) {
        await services.periodLimits.set(admin, { ...limit, walletTypeId: walletType.id });
      }
      const sender = await bed.fundedCustomer(balance, 'RWF', walletType.code);
      const payee = await bed.fundedCustomer(0);
      const input = (amount: number, typeCode = 'TRANSFER') =>
        posting(typeCode, sender.wallet.id, payee.wallet.id, amount, ref());
      return {
        ...sender,
        payee,
        walletType,
        input,
        send: (amount: number, typeCode?: string) =>
          services.ledger.post(sender.customer, input(amount, typeCode)),
        hold: (amount: number, expiresInSeconds = 600) =>
          services.ledger.post(sender.customer, { ...input(amount), hold: true, expiresInSeconds }),
      };
    },
  };
  return bed;
}

export function posting(
  transactionTypeCode: string,
  debitedWalletId: string,
  creditedWalletId: string,
  amount: number,
  externalReferenceNumber: string,
): TransactionCreateInput {
  return {
    transactionTypeCode,
    debitedWalletId,
    creditedWalletId,
    amount,
    externalReferenceNumber,
    channelType: 'APP',
  };
}

/** The domain code a call was refused with, or 'OK'. */
export async function outcomeOf(call: Promise<unknown>): Promise<ErrorCode | 'OK'> {
  try {
    await call;
    return 'OK';
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

/** The refusal a call was refused with; anything else (an answer, an unexpected error) fails the test. */
export async function refusalOf(call: Promise<unknown>): Promise<DomainError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}
