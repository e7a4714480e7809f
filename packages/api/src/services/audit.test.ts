import { randomBytes } from 'node:crypto';
import type { Actor, AuditAction, AuditEntry, RegisterInput } from '@tekana/contracts';
import { createDatabase, type Database, systemActor } from '@tekana/db';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestbed, outcomeOf, posting, type Testbed } from '../../test/ledger-testbed';
import { createAdmin } from './auth';
import { createLedgerService } from './ledger';

const database = createDatabase({ databaseUrl: inject('databaseUrl'), dataDir: '', maxConnections: 10 });
let bed: Testbed;

beforeAll(async () => {
  bed = await createTestbed(database);
});
afterAll(async () => {
  await database.close();
});

const uniqueCode = (prefix: string) => `${prefix}_${randomBytes(5).toString('hex').toUpperCase()}`;

/** Every audit row about one entity, newest first. */
async function auditOf(entityId: string): Promise<AuditEntry[]> {
  return (await bed.services.audit.list({ entityId, limit: 100 })).items;
}

/**
 * The audit rows about an entity, one per action (fails on a repeated action). By action, not by
 * position: two changes within one millisecond share a time, and their order is then the ids'.
 */
async function auditByAction(entityId: string): Promise<Partial<Record<AuditAction, AuditEntry>>> {
  const rows = await auditOf(entityId);
  const byAction = Object.fromEntries(rows.map((r) => [r.action, r]));
  expect(Object.keys(byAction)).toHaveLength(rows.length);
  return byAction;
}

/** The one audit row about an entity; fails when there are none or several. */
async function onlyAuditOf(entityId: string): Promise<AuditEntry> {
  const rows = await auditOf(entityId);
  expect(rows).toHaveLength(1);
  return rows[0] as AuditEntry;
}

/** Every audit row of an actor, page after page. */
async function everyAuditBy(actor: Actor): Promise<AuditEntry[]> {
  const rows: AuditEntry[] = [];
  for (let cursor: string | undefined; ; ) {
    const page = await bed.services.audit.list({ actorId: actor.id, limit: 100, cursor });
    rows.push(...page.items);
    if (!page.nextCursor) return rows;
    cursor = page.nextCursor;
  }
}

const byAdmin = (admin: Actor) => ({ actorId: admin.id, actorRole: 'ADMIN' });

describe('the audit log of admin actions', () => {
  it('records a wallet type creation: who, what, nothing before, the wallet type after', async () => {
    const created = await bed.services.walletTypes.create(bed.admin, {
      code: uniqueCode('SAVINGS'),
      name: 'Savings',
      minimumTransactionAmount: 1,
      maximumTransactionAmount: 1_000,
      allowNegativeBalance: false,
    });
    expect(await onlyAuditOf(created.id)).toMatchObject({
      ...byAdmin(bed.admin),
      action: 'walletType.create',
      entityType: 'walletType',
      before: null,
      after: created,
    });
  });

  it('records a transaction type creation, then its status change with the type before and after', async () => {
    const created = await bed.services.transactionTypes.create(bed.admin, {
      code: uniqueCode('FEE'),
      name: 'Fee',
      minimumAmount: 1,
      maximumAmount: 100,
      status: 'ACTIVE',
    });
    const changed = await bed.services.transactionTypes.setStatus(bed.admin, {
      id: created.id,
      status: 'INACTIVE',
    });
    const { 'transactionType.create': creation, 'transactionType.setStatus': statusChange } =
      await auditByAction(created.id);
    expect(creation).toMatchObject({ action: 'transactionType.create', before: null, after: created });
    expect(statusChange).toMatchObject({
      ...byAdmin(bed.admin),
      action: 'transactionType.setStatus',
      entityType: 'transactionType',
      before: created,
      after: changed,
    });
    expect(changed.status).toBe('INACTIVE');
  });

  it('records a rule as rule.create the first time and rule.update after, under transactionTypeId:walletTypeId', async () => {
    const type = await bed.services.transactionTypes.create(bed.admin, {
      code: uniqueCode('RULED'),
      name: 'Ruled',
      minimumAmount: 1,
      maximumAmount: 100,
      status: 'ACTIVE',
    });
    const personal = (await bed.services.walletTypes.list({ code: 'PERSONAL' })).items[0];
    const key = { transactionTypeId: type.id, walletTypeId: personal?.id ?? '' };
    const first = await bed.services.rules.set(bed.admin, {
      ...key,
      debitAllowed: true,
      creditAllowed: false,
    });
    const second = await bed.services.rules.set(bed.admin, {
      ...key,
      debitAllowed: false,
      creditAllowed: true,
    });
    const { 'rule.create': creation, 'rule.update': update } = await auditByAction(
      `${type.id}:${key.walletTypeId}`,
    );
    expect(creation).toMatchObject({ action: 'rule.create', entityType: 'rule', before: null, after: first });
    expect(update).toMatchObject({ action: 'rule.update', entityType: 'rule', before: first, after: second });
  });

  it('records a rule set by two admins at once as one creation and one update', async () => {
    const type = await bed.services.transactionTypes.create(bed.admin, {
      code: uniqueCode('RACE'),
      name: 'Race',
      minimumAmount: 1,
      maximumAmount: 100,
      status: 'ACTIVE',
    });
    const personal = (await bed.services.walletTypes.list({ code: 'PERSONAL' })).items[0];
    const key = { transactionTypeId: type.id, walletTypeId: personal?.id ?? '' };
    await Promise.all([
      bed.services.rules.set(bed.admin, { ...key, debitAllowed: true, creditAllowed: true }),
      bed.services.rules.set(bed.admin, { ...key, debitAllowed: false, creditAllowed: false }),
    ]);
    const { 'rule.create': creation, 'rule.update': update } = await auditByAction(
      `${type.id}:${key.walletTypeId}`,
    );
    expect(creation?.before).toBeNull();
    expect(update?.before).toEqual(creation?.after);
  });

  it('records a wallet an admin opens, and none that a customer opens for themselves', async () => {
    const owner = await bed.makeCustomer();
    const byTheAdmin = await bed.openWallet(owner);
    expect(await onlyAuditOf(byTheAdmin.id)).toMatchObject({
      ...byAdmin(bed.admin),
      action: 'wallet.create',
      entityType: 'wallet',
      before: null,
      after: byTheAdmin,
    });
    const own = await bed.services.wallets.create(owner, { walletTypeCode: 'PERSONAL', currencyCode: 'USD' });
    expect(await auditOf(own.id)).toEqual([]);
  });

  it('records a wallet status change with the wallet before and after', async () => {
    const { wallet } = await bed.fundedCustomer(0);
    const changed = await bed.services.wallets.setStatus(bed.admin, { id: wallet.id, status: 'DORMANT' });
    expect(await onlyAuditOf(wallet.id)).toMatchObject({
      ...byAdmin(bed.admin),
      action: 'wallet.setStatus',
      entityType: 'wallet',
      before: wallet,
      after: changed,
    });
    expect(changed.status).toBe('DORMANT');
  });

  it('records an admin deposit and withdrawal with the posting exactly as the API shows it', async () => {
    const { wallet } = await bed.fundedCustomer(0);
    const deposit = await bed.deposit(wallet.id, 500);
    const float = await bed.float();
    const withdrawal = await bed.services.ledger.post(
      bed.admin,
      posting('WITHDRAWAL', wallet.id, float.id, 200, bed.ref()),
    );
    for (const posted of [deposit, withdrawal]) {
      const row = await onlyAuditOf(posted.id);
      expect(row).toMatchObject({
        ...byAdmin(bed.admin),
        action: 'transaction.post',
        entityType: 'transaction',
        before: null,
      });
      // The posting's time too: the audit row's own, the database's time of the batch that wrote it.
      expect(row.after).toEqual(posted);
      expect(row.createdAt).toBe(posted.createdAt);
    }
  });

  it('records a reversal on the original: COMPLETED before, REVERSED after with the reversal that undid it', async () => {
    const { wallet } = await bed.fundedCustomer(0);
    const deposit = await bed.deposit(wallet.id, 300);
    const reversal = await bed.services.ledger.reverse(bed.admin, { id: deposit.id });
    const { 'transaction.reverse': reversed, 'transaction.post': posted } = await auditByAction(deposit.id);
    expect(posted?.action).toBe('transaction.post');
    expect(reversed).toMatchObject({
      ...byAdmin(bed.admin),
      action: 'transaction.reverse',
      entityType: 'transaction',
      before: deposit,
      after: { ...deposit, status: 'REVERSED', reversal },
    });
    expect(await auditOf(reversal.id)).toEqual([]);
  });

  it('records an admin made by the command line as the system account’s act, without the password', async () => {
    const tag = randomBytes(4).toString('hex');
    const input: RegisterInput = {
      firstName: 'Ops',
      lastName: `Admin ${tag}`,
      email: `ops.${tag}@audit.test`,
      phoneNumber: `+2507${String(Date.now()).slice(-8)}`,
      idType: 'NID',
      idNumber: `OPS${tag}`,
      gender: 'FEMALE',
      password: 'a-long-enough-password',
    };
    const system = await systemActor(database.db);
    const admin = await createAdmin(database, input, system);
    const row = await onlyAuditOf(admin.id);
    expect(row).toMatchObject({
      actorId: system.id,
      actorRole: 'SYSTEM',
      action: 'admin.create',
      entityType: 'customer',
      before: null,
      after: admin,
    });
    expect(JSON.stringify(row)).not.toContain(input.password);
    expect(JSON.stringify(row)).not.toContain('argon2');
  });
});

describe('what the audit log leaves out', () => {
  it('records nothing for a customer’s posting', async () => {
    const alice = await bed.fundedCustomer(100);
    const bob = await bed.fundedCustomer(0);
    const transfer = await bed.services.ledger.post(
      alice.customer,
      posting('TRANSFER', alice.wallet.id, bob.wallet.id, 40, bed.ref()),
    );
    expect(await auditOf(transfer.id)).toEqual([]);
  });

  it('records nothing for a refused admin posting or a refused reversal', async () => {
    const { wallet } = await bed.fundedCustomer(0);
    const float = await bed.float();
    const ref = bed.ref();
    const overdraft = bed.services.ledger.post(bed.admin, posting('WITHDRAWAL', wallet.id, float.id, 1, ref));
    expect(await outcomeOf(overdraft)).toBe('INSUFFICIENT_FUNDS');
    const deposit = await bed.deposit(wallet.id, 100);
    await bed.services.ledger.reverse(bed.admin, { id: deposit.id });
    const again = bed.services.ledger.reverse(bed.admin, { id: deposit.id });
    expect(await outcomeOf(again)).toBe('ALREADY_REVERSED');
    expect((await auditOf(deposit.id)).map((r) => r.action).sort()).toEqual([
      'transaction.post',
      'transaction.reverse',
    ]);
    const rows = await everyAuditBy(bed.admin);
    expect(
      rows.filter((r) => (r.after as { externalReferenceNumber?: string })?.externalReferenceNumber === ref),
    ).toEqual([]);
  });

  it('records one row for a replayed admin posting, however many times it comes', async () => {
    const { wallet } = await bed.fundedCustomer(0);
    const float = await bed.float();
    const request = posting('DEPOSIT', float.id, wallet.id, 75, bed.ref());
    const first = await bed.services.ledger.post(bed.admin, request);
    const copies = await Promise.all([1, 2, 3].map(() => bed.services.ledger.post(bed.admin, request)));
    expect(copies.every((c) => c.id === first.id)).toBe(true);
    expect(await auditOf(first.id)).toHaveLength(1);
  });

  it('records each posting of an admin’s atomic bulk, and nothing of one that is refused', async () => {
    const { wallet } = await bed.fundedCustomer(0);
    const float = await bed.float();
    const deposits = [10, 20].map((amount) => posting('DEPOSIT', float.id, wallet.id, amount, bed.ref()));
    const posted = await bed.services.ledger.postMany(bed.admin, { atomic: true, transactions: deposits });
    for (const result of posted.results) {
      const id = (result.data as { id: string }).id;
      expect((await onlyAuditOf(id)).after).toEqual(result.data);
    }
    const refused = [
      posting('DEPOSIT', float.id, wallet.id, 5, bed.ref()),
      posting('WITHDRAWAL', wallet.id, float.id, 1_000, bed.ref()),
    ];
    const all = bed.services.ledger.postMany(bed.admin, { atomic: true, transactions: refused });
    expect(await outcomeOf(all)).toBe('INSUFFICIENT_FUNDS');
    const rows = await everyAuditBy(bed.admin);
    const keys = new Set(refused.map((r) => r.externalReferenceNumber));
    expect(rows.filter((r) => keys.has(String(r.after?.externalReferenceNumber)))).toEqual([]);
  });

  it('records nothing when the change itself fails', async () => {
    const input = {
      code: uniqueCode('DUP'),
      name: 'Dup',
      minimumTransactionAmount: 1,
      maximumTransactionAmount: 10,
      allowNegativeBalance: false,
    };
    const created = await bed.services.walletTypes.create(bed.admin, input);
    expect(await outcomeOf(bed.services.walletTypes.create(bed.admin, input))).toBe('CONFLICT');
    const missing = '00000000-0000-4000-8000-000000000000';
    const status = bed.services.wallets.setStatus(bed.admin, { id: missing, status: 'ACTIVE' });
    expect(await outcomeOf(status)).toBe('NOT_FOUND');
    const rows = await bed.services.audit.list({ action: 'walletType.create', limit: 100 });
    expect(rows.items.filter((r) => r.after?.code === input.code).map((r) => r.entityId)).toEqual([
      created.id,
    ]);
    expect(await auditOf(missing)).toEqual([]);
  });
});

describe('the posting engine’s audit statement', () => {
  /** The database, counting the statements each `transact` runs. */
  function countingStatements(inner: Database) {
    const batches: string[][] = [];
    const counted: Database = {
      ...inner,
      transact(work) {
        const statements: string[] = [];
        batches.push(statements);
        return inner.transact((run, commit) =>
          work((text, params) => {
            statements.push(text);
            return run(text, params);
          }, commit),
        );
      },
    };
    return { counted, batches };
  }
  const audits = (statements: string[] = []) => statements.filter((s) => s.includes('insert into audit_log'));

  it('is one statement for all the admin postings of a batch, and none in a batch of customers’ postings', async () => {
    const { counted, batches } = countingStatements(database);
    const ledger = createLedgerService({
      database: counted,
      clock: { now: () => new Date() },
      limitsTimeZone: 'Africa/Kigali',
    });
    const [alice, bob] = await Promise.all([bed.fundedCustomer(100), bed.fundedCustomer(100)]);
    const float = await bed.float();
    // Submitted in one tick on an idle engine: each group lands in one batch.
    await Promise.all([
      ledger.post(alice.customer, posting('TRANSFER', alice.wallet.id, bob.wallet.id, 10, bed.ref())),
      ledger.post(bob.customer, posting('TRANSFER', bob.wallet.id, alice.wallet.id, 5, bed.ref())),
    ]);
    expect(batches).toHaveLength(1);
    expect(audits(batches[0])).toEqual([]);

    const mixed = [
      { actor: bed.admin, request: posting('DEPOSIT', float.id, alice.wallet.id, 7, bed.ref()) },
      { actor: alice.customer, request: posting('TRANSFER', alice.wallet.id, bob.wallet.id, 1, bed.ref()) },
      { actor: bed.admin, request: posting('WITHDRAWAL', bob.wallet.id, float.id, 1_000, bed.ref()) },
      { actor: bed.admin, request: posting('WITHDRAWAL', bob.wallet.id, float.id, 3, bed.ref()) },
    ];
    const outcomes = await Promise.all(mixed.map((m) => outcomeOf(ledger.post(m.actor, m.request))));
    expect(outcomes).toEqual(['OK', 'OK', 'INSUFFICIENT_FUNDS', 'OK']);
    expect(batches).toHaveLength(2);
    expect(audits(batches[1])).toHaveLength(1);
    const keys = new Set(mixed.map((m) => m.request.externalReferenceNumber));
    const rows = (await bed.services.audit.list({ action: 'transaction.post', limit: 100 })).items;
    const audited = rows.filter((r) => keys.has(String(r.after?.externalReferenceNumber)));
    expect(audited.map((r) => r.after?.amount).sort()).toEqual([3, 7]);
  });
});

describe('the audit table', () => {
  it('refuses UPDATE, DELETE and TRUNCATE in the database itself', async () => {
    const { wallet } = await bed.fundedCustomer(0);
    const deposit = await bed.deposit(wallet.id, 10);
    const row = await onlyAuditOf(deposit.id);
    const sql = postgres(inject('databaseUrl'), { max: 1, onnotice: () => {} });
    try {
      await expect(sql`update audit_log set action = 'forged' where id = ${row.id}`).rejects.toThrow(
        /append-only: UPDATE refused/,
      );
      await expect(sql`delete from audit_log where id = ${row.id}`).rejects.toThrow(
        /append-only: DELETE refused/,
      );
      await expect(sql`truncate audit_log`).rejects.toThrow(/append-only: TRUNCATE refused/);
      // Stored as JSON objects by both writers (drizzle's and the engine's statement), never as strings.
      const [stored] = await sql`
        select count(*)::int as rows, count(*) filter (where jsonb_typeof(after) <> 'object')::int as others
        from audit_log where after is not null`;
      expect(stored?.rows).toBeGreaterThan(0);
      expect(stored?.others).toBe(0);
    } finally {
      await sql.end();
    }
    expect(await onlyAuditOf(deposit.id)).toEqual(row);
  });
});
