import { randomBytes } from 'node:crypto';
import {
  STATEMENT_CSV_COLUMNS,
  type StatementLine,
  type Transaction,
  type TransactionBulkOutput,
  type TransactionCreateRequest,
  type Wallet,
  type WalletStatement,
} from '@tekana/contracts';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type FundingAdmin,
  fundingAdmin,
  postTransaction,
  type SignedIn,
  settleHold,
  useTestServer,
} from './harness';

const server = useTestServer();
let admin: SignedIn;
let floatRwf: Wallet;
let customerWithWallet: FundingAdmin['customerWithWallet'];

beforeAll(async () => {
  ({ admin, floatRwf, customerWithWallet } = await fundingAdmin(server));
});

const ref = () => `stmt-${randomBytes(8).toString('hex')}`;
const ms = (iso: string, plus = 0) => new Date(new Date(iso).getTime() + plus).toISOString();
const EPOCH = '2000-01-01T00:00:00.000Z';
const FAR = '2100-01-01T00:00:00.000Z';

async function post(actor: SignedIn, body: Partial<TransactionCreateRequest>): Promise<Transaction> {
  const answer = await postTransaction(server, actor, { transactionTypeCode: 'TRANSFER', ...body });
  if (answer.status !== 201) throw new Error(`posting answered ${answer.status}: ${answer.body.message}`);
  return answer.body.data;
}

const query = (from: string, to: string, extra: Record<string, string> = {}) =>
  new URLSearchParams({ from, to, ...extra }).toString();

function statement(actor: SignedIn, walletId: string, from: string, to: string, extra = {}) {
  return server.rest<WalletStatement>(
    'GET',
    `/wallets/${walletId}/statement?${query(from, to, extra)}`,
    undefined,
    actor.token,
  );
}

/** Every page of the period, followed by its cursor: the summary of the first and all the lines. */
async function wholeStatement(actor: SignedIn, walletId: string, from: string, to: string, limit = 100) {
  const lines: StatementLine[] = [];
  let cursor: string | null = null;
  let first: WalletStatement | undefined;
  do {
    const extra: Record<string, string> = { limit: String(limit), ...(cursor ? { cursor } : {}) };
    const page = await statement(actor, walletId, from, to, extra);
    expect(page.status).toBe(200);
    first ??= page.body.data;
    lines.push(...page.body.data.lines);
    cursor = page.body.data.nextCursor;
  } while (cursor);
  if (!first) throw new Error('no page');
  return { ...first, lines };
}

function downloadCsv(actor: SignedIn, walletId: string, from: string, to: string) {
  return fetch(`${server.url}/api/v1/wallets/${walletId}/statement?${query(from, to, { format: 'csv' })}`, {
    headers: { authorization: `Bearer ${actor.token}` },
  });
}

/** RFC 4180 rows: quoted fields may hold commas, doubled quotes and line breaks; rows end in CRLF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const next = text[i + 1];
    if (quoted && c === '"' && next === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (quoted) {
      field += c;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && next === '\n') {
      rows.push([...row, field]);
      row = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  return rows;
}

const csvOf = (lines: StatementLine[]) =>
  lines.map((line) => STATEMENT_CSV_COLUMNS.map((column) => String(line[column])));

describe('GET /wallets/{id}/statement', () => {
  let alice: SignedIn & { wallet: Wallet };
  let bob: SignedIn & { wallet: Wallet };
  let inPeriod: Transaction[];
  let after: Transaction;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([customerWithWallet(1_000), customerWithWallet(200)]);
    inPeriod = [
      await post(alice, { debitedWalletId: alice.wallet.id, creditedWalletId: bob.wallet.id, amount: 100 }),
      await post(bob, {
        debitedWalletId: bob.wallet.id,
        creditedWalletId: alice.wallet.id,
        amount: 30,
        statusMessage: 'Rent, "June" share',
      }),
      await post(admin, {
        transactionTypeCode: 'DEPOSIT',
        debitedWalletId: floatRwf.id,
        creditedWalletId: alice.wallet.id,
        amount: 500,
      }),
    ];
    after = await post(alice, {
      debitedWalletId: alice.wallet.id,
      creditedWalletId: bob.wallet.id,
      amount: 7,
    });
  });

  const period = () => ({ from: inPeriod[0]?.createdAt ?? '', to: inPeriod[2]?.createdAt ?? '' });

  it('answers the opening and closing balances, the totals and each line with the balance it left', async () => {
    const { from, to } = period();
    const answer = await statement(alice, alice.wallet.id, from, to);
    expect(answer.status).toBe(200);
    expect(answer.body.data).toMatchObject({
      openingBalance: 1_000,
      closingBalance: 1_430,
      totalDebits: 100,
      totalCredits: 530,
      nextCursor: null,
    });
    expect(answer.body.data.lines).toEqual([
      {
        transactionId: inPeriod[0]?.id,
        referenceNumber: inPeriod[0]?.referenceNumber,
        createdAt: inPeriod[0]?.createdAt,
        description: 'Transfer',
        debit: 100,
        credit: 0,
        balance: 900,
      },
      expect.objectContaining({ description: 'Rent, "June" share', debit: 0, credit: 30, balance: 930 }),
      expect.objectContaining({ description: 'Deposit', debit: 0, credit: 500, balance: 1_430 }),
    ]);
    expect(answer.body.data.lines.map((l) => l.transactionId)).not.toContain(after.id);
  });

  it('pages the lines by cursor, oldest first, each page with the whole period’s totals', async () => {
    const { from, to } = period();
    const first = await statement(alice, alice.wallet.id, from, to, { limit: '2' });
    expect(first.body.data.lines.map((l) => l.transactionId)).toEqual([inPeriod[0]?.id, inPeriod[1]?.id]);
    expect(first.body.data.nextCursor).toEqual(expect.any(String));
    const second = await statement(alice, alice.wallet.id, from, to, {
      limit: '2',
      cursor: first.body.data.nextCursor ?? '',
    });
    expect(second.body.data.lines.map((l) => l.transactionId)).toEqual([inPeriod[2]?.id]);
    expect(second.body.data.nextCursor).toBeNull();
    const { lines: _a, nextCursor: _b, ...totals } = first.body.data;
    expect(second.body.data).toMatchObject(totals);
  });

  it('downloads the same lines as CSV, with a header row, as an attachment named after the account and period', async () => {
    const { from, to } = period();
    const json = await wholeStatement(alice, alice.wallet.id, EPOCH, FAR);
    const csv = await downloadCsv(alice, alice.wallet.id, EPOCH, FAR);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe(
      `attachment; filename="statement-${alice.wallet.accountNumber}-2000-01-01T000000Z-2100-01-01T000000Z.csv"`,
    );
    const [header, ...rows] = parseCsv(await csv.text());
    expect(header).toEqual([...STATEMENT_CSV_COLUMNS]);
    expect(rows).toEqual(csvOf(json.lines));
    expect(rows).toHaveLength(5);
    const periodCsv = parseCsv(await (await downloadCsv(alice, alice.wallet.id, from, to)).text());
    expect(periodCsv.slice(1)).toEqual(
      csvOf((await statement(alice, alice.wallet.id, from, to)).body.data.lines),
    );
  });

  it("answers 404 for another customer's wallet, as JSON and as CSV; an admin sees any", async () => {
    const { from, to } = period();
    const json = await statement(bob, alice.wallet.id, from, to);
    expect(json.status).toBe(404);
    expect(json.body.data).toMatchObject({ code: 'NOT_FOUND' });
    const csv = await downloadCsv(bob, alice.wallet.id, from, to);
    expect(csv.status).toBe(404);
    expect(await csv.json()).toMatchObject({ status: 404, data: { code: 'NOT_FOUND' } });
    expect((await statement(admin, alice.wallet.id, from, to)).body.data.totalCredits).toBe(530);
  });

  it('answers 400 when from is after to, or a date-time is not one, and 401 without a token, in the envelope', async () => {
    const { from, to } = period();
    for (const path of [
      `/wallets/${alice.wallet.id}/statement?${query(to, ms(from, -1))}`,
      `/wallets/${alice.wallet.id}/statement?${query(to, ms(from, -1), { format: 'csv' })}`,
      `/wallets/${alice.wallet.id}/statement?${query('yesterday', to, { format: 'csv' })}`,
    ]) {
      const refused = await server.rest<{ code: string; issues: { path: string }[] }>(
        'GET',
        path,
        undefined,
        alice.token,
      );
      expect(refused.status, path).toBe(400);
      expect(refused.body.data.code).toBe('BAD_REQUEST');
      expect(refused.body.data.issues[0]?.path).toBe('from');
    }
    const anonymous = await server.rest(
      'GET',
      `/wallets/${alice.wallet.id}/statement?${query(from, to, { format: 'csv' })}`,
    );
    expect(anonymous.status).toBe(401);
  });

  it('is served over tRPC too', async () => {
    const { from, to } = period();
    const answer = await server.trpc(alice.token).wallet.statement.query({ id: alice.wallet.id, from, to });
    expect(answer.closingBalance).toBe(1_430);
  });
});

/** Places a hold: a PENDING posting dated now, which moves nothing until captured. */
const hold = (actor: SignedIn, body: Partial<TransactionCreateRequest>) =>
  post(actor, { ...body, hold: true });

async function settle(actor: SignedIn, held: Transaction, how: 'capture' | 'void', amount?: number) {
  const body = amount === undefined ? undefined : { amount };
  const answer = await settleHold(server, actor, held.id, how, body);
  if (answer.status !== 200) throw new Error(`${how} answered ${answer.status}: ${answer.body.message}`);
  return answer.body.data;
}

/** Each line's balance is the one before it plus its credit less its debit, the first's the opening. */
function expectRunningBalances(s: WalletStatement) {
  let balance = s.openingBalance;
  for (const line of s.lines) {
    balance += line.credit - line.debit;
    expect(line.balance, line.transactionId).toBe(balance);
  }
  expect(s.closingBalance).toBe(balance);
}

describe('a statement around holds', () => {
  let alice: SignedIn & { wallet: Wallet };
  let bob: SignedIn & { wallet: Wallet };
  let captured: Transaction;
  let between: Transaction;
  let voided: Transaction;
  let pending: Transaction;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([customerWithWallet(1_000), customerWithWallet(0)]);
    const toBob = { debitedWalletId: alice.wallet.id, creditedWalletId: bob.wallet.id };
    // Placed first, captured (in part) last: its row is dated before `between`, its money moved after.
    const placed = await hold(alice, { ...toBob, amount: 400 });
    between = await post(alice, { ...toBob, amount: 100 });
    voided = await hold(alice, { ...toBob, amount: 50 });
    pending = await hold(alice, { ...toBob, amount: 30 });
    await settle(alice, voided, 'void');
    captured = await settle(alice, placed, 'capture', 250);
  });

  it('counts a captured hold at the time it was placed, for what it moved, in every figure', async () => {
    const s = await wholeStatement(alice, alice.wallet.id, EPOCH, FAR);
    expect(s).toMatchObject({
      openingBalance: 0,
      totalDebits: 350,
      totalCredits: 1_000,
      closingBalance: 650,
    });
    expect(s.lines.map((l) => [l.transactionId, l.debit, l.credit, l.balance]).slice(1)).toEqual([
      [captured.id, 250, 0, 750],
      [between.id, 100, 0, 650],
    ]);
    expect(s.lines[1]?.createdAt).toBe(captured.createdAt);
    const payee = await wholeStatement(bob, bob.wallet.id, EPOCH, FAR);
    expect(payee.lines.map((l) => [l.transactionId, l.credit, l.balance])).toEqual([
      [captured.id, 250, 250],
      [between.id, 100, 350],
    ]);
  });

  it('opens each period with the balance before it: starting before, between and after the postings', async () => {
    const funding = (await wholeStatement(alice, alice.wallet.id, EPOCH, FAR)).lines[0]?.transactionId;
    const periods: [string, string, Partial<WalletStatement>, (string | undefined)[]][] = [
      [EPOCH, ms(captured.createdAt, -1), { openingBalance: 0, closingBalance: 1_000 }, [funding]],
      [captured.createdAt, captured.createdAt, { openingBalance: 1_000, closingBalance: 750 }, [captured.id]],
      [captured.createdAt, FAR, { openingBalance: 1_000, closingBalance: 650 }, [captured.id, between.id]],
      [ms(captured.createdAt, 1), FAR, { openingBalance: 750, closingBalance: 650 }, [between.id]],
      [ms(between.createdAt, 1), FAR, { openingBalance: 650, closingBalance: 650 }, []],
    ];
    for (const [from, to, figures, ids] of periods) {
      const s = await wholeStatement(alice, alice.wallet.id, from, to, 1);
      expect(s, `${from}..${to}`).toMatchObject(figures);
      expect(s.lines.map((l) => l.transactionId)).toEqual(ids);
      expect(s.totalDebits).toBe(s.lines.reduce((sum, l) => sum + l.debit, 0));
      expect(s.totalCredits).toBe(s.lines.reduce((sum, l) => sum + l.credit, 0));
      expectRunningBalances(s);
    }
  });

  it('lists no voided or pending hold, nor counts it, though their dates fall in the period', async () => {
    const s = await wholeStatement(alice, alice.wallet.id, voided.createdAt, pending.createdAt);
    expect(s).toMatchObject({
      openingBalance: 650,
      closingBalance: 650,
      totalDebits: 0,
      totalCredits: 0,
      lines: [],
    });
    const all = await wholeStatement(alice, alice.wallet.id, EPOCH, FAR);
    expect(all.lines.map((l) => l.transactionId)).not.toContain(voided.id);
    expect(all.lines.map((l) => l.transactionId)).not.toContain(pending.id);
    const wallet = await server.rest<Wallet>('GET', `/wallets/${alice.wallet.id}`, undefined, alice.token);
    expect(wallet.body.data).toMatchObject({ currentBalance: all.closingBalance, availableBalance: 620 });
  });

  it('pages and downloads the same lines and balances', async () => {
    const { nextCursor: _, ...onePage } = await wholeStatement(alice, alice.wallet.id, EPOCH, FAR);
    expect(await wholeStatement(alice, alice.wallet.id, EPOCH, FAR, 1)).toMatchObject(onePage);
    const csv = await downloadCsv(alice, alice.wallet.id, EPOCH, FAR);
    expect(parseCsv(await csv.text()).slice(1)).toEqual(csvOf(onePage.lines));
  });
});

describe('a statement of a wallet with thousands of postings', () => {
  it('streams the CSV in chunks, every line, as the JSON pages list them', async () => {
    const payee = await customerWithWallet(0);
    const count = 3_000;
    for (let start = 0; start < count; start += 100) {
      const transactions = Array.from({ length: 100 }, (_, i) => ({
        externalReferenceNumber: ref(),
        transactionTypeCode: 'DEPOSIT',
        debitedWalletId: floatRwf.id,
        creditedWalletId: payee.wallet.id,
        amount: start + i + 1,
      }));
      const bulk = await server.rest<TransactionBulkOutput>(
        'POST',
        '/transactions/bulk',
        { transactions },
        admin.token,
      );
      expect(bulk.status).toBe(200);
    }
    const csv = await downloadCsv(payee, payee.wallet.id, EPOCH, FAR);
    expect(csv.status).toBe(200);
    // Written as it is read: no length known in advance, sent in chunks.
    expect(csv.headers.get('content-length')).toBeNull();
    expect(csv.headers.get('transfer-encoding')).toBe('chunked');
    let reads = 0;
    let text = '';
    const decoder = new TextDecoder();
    for await (const chunk of csv.body as unknown as AsyncIterable<Uint8Array>) {
      reads++;
      text += decoder.decode(chunk, { stream: true });
    }
    expect(reads).toBeGreaterThan(1);
    const rows = parseCsv(text).slice(1);
    expect(rows).toHaveLength(count);
    const json = await wholeStatement(payee, payee.wallet.id, EPOCH, FAR);
    expect(json.totalCredits).toBe((count * (count + 1)) / 2);
    expect(rows).toEqual(csvOf(json.lines));
  }, 120_000);
});

describe('statement arithmetic, over postings made concurrently', () => {
  it('closingBalance = openingBalance − totalDebits + totalCredits = openingBalance + the lines, for any period', async () => {
    const [alice, bob] = await Promise.all([customerWithWallet(5_000), customerWithWallet(5_000)]);
    const wallets = [alice, bob];
    // Rounds of concurrent postings both ways, so that batches hold several of a wallet's postings at
    // one instant; holds among them, captured in part or voided in the next round (so that a captured
    // hold is dated before postings that moved money ahead of it) or left pending; and reversals, of a
    // posting and of a captured hold, whose originals stay on the statement beside them.
    const posted: Transaction[] = [];
    let held: Transaction[] = [];
    const captured: Transaction[] = [];
    for (let round = 0; round < 6; round++) {
      const settling = held.map((h, k) =>
        k % 2 === 0
          ? settle(h.debitedWalletId === alice.wallet.id ? alice : bob, h, 'capture', Math.ceil(h.amount / 2))
          : settle(h.debitedWalletId === alice.wallet.id ? alice : bob, h, 'void'),
      );
      const posting = Array.from({ length: 8 }, (_, i) => {
        const [from, to] = i % 2 === 0 ? [alice, bob] : [bob, alice];
        const body = {
          debitedWalletId: from.wallet.id,
          creditedWalletId: to.wallet.id,
          amount: 1 + ((round * 8 + i) % 37),
        };
        return i % 4 === 3 ? hold(from, body) : post(from, body);
      });
      const [settled, made] = await Promise.all([Promise.all(settling), Promise.all(posting)]);
      captured.push(...settled.filter((t) => t.status === 'COMPLETED'));
      posted.push(...made);
      held = made.filter((t) => t.status === 'PENDING');
    }
    for (const original of [posted[5], captured[0]]) {
      const reversal = await server.rest('POST', `/transactions/${original?.id}/reverse`, {}, admin.token);
      expect(reversal.status).toBe(201);
    }
    const instants = [...new Set(posted.map((t) => t.createdAt))].sort();
    const anInstant = fc
      .constantFrom(...instants)
      .chain((iso) => fc.constantFrom(iso, ms(iso, -1), ms(iso, 1)));

    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...wallets), anInstant, anInstant, async (owner, a, b) => {
        const [from, to] = a <= b ? [a, b] : [b, a];
        const s = await wholeStatement(owner, owner.wallet.id, from, to, 7);
        const net = s.lines.reduce((sum, l) => sum + l.credit - l.debit, 0);
        expect(s.closingBalance).toBe(s.openingBalance - s.totalDebits + s.totalCredits);
        expect(s.closingBalance).toBe(s.openingBalance + net);
        expect(s.totalDebits).toBe(s.lines.reduce((sum, l) => sum + l.debit, 0));
        // The opening balance is everything before the period, however its postings were batched.
        const before = await wholeStatement(owner, owner.wallet.id, EPOCH, ms(from, -1));
        expect(s.openingBalance).toBe(before.closingBalance);
        expect(before.openingBalance).toBe(0);
        // Each line's balance runs on from the one before it, across the pages.
        expectRunningBalances(s);
        expectRunningBalances(before);
      }),
      { numRuns: 25 },
    );
    for (const owner of wallets) {
      const all = await wholeStatement(owner, owner.wallet.id, EPOCH, FAR);
      const wallet = await server.rest<Wallet>('GET', `/wallets/${owner.wallet.id}`, undefined, owner.token);
      expect(all.closingBalance).toBe(wallet.body.data.currentBalance);
    }
  }, 120_000);
});
