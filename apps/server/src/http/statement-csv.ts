import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { signedIn, tooSlow, toTRPCError, withinMs } from '@tekana/api';
import {
  DomainError,
  STATEMENT_CSV_COLUMNS,
  type StatementLine,
  type WalletStatementInput,
  walletStatementInput,
} from '@tekana/contracts';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { type Envelope, sendEnvelope, toEnvelope } from './envelope';
import { procedureMeta } from './procedures';
import type { CreateContext } from './rest';

// A spreadsheet runs a cell that starts with one of these as a formula: such text is sent quoted
// behind an apostrophe, as OWASP advises for CSV downloads (statusMessage is the payer's own text).
const FORMULA_START = /^[=+\-@\t\r]/;

function csvField(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) || text !== value ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The JSON statement's REST path (the procedure's own), which this download shares. */
export const STATEMENT_PATH = restPathOf('wallet.statement');

function restPathOf(procedure: string): string {
  const path = procedureMeta(procedure)?.openapi?.path;
  if (!path) throw new Error(`${procedure} has no REST path`);
  return path;
}

const csvRow = (fields: (string | number)[]) => `${fields.map(csvField).join(',')}\r\n`;
const csvLines = (lines: StatementLine[]) =>
  lines.map((line) => csvRow(STATEMENT_CSV_COLUMNS.map((column) => line[column]))).join('');

/** A date-time as a file name may hold it: no colons, no milliseconds (2026-01-31T235959Z). */
const fileTime = (date: Date) =>
  date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/:/g, '');

/**
 * What went wrong before the download started, mapped as every procedure's errors are (`toTRPCError`) and
 * in the envelope every other REST error has.
 */
function errorEnvelope(error: unknown, log: Logger): Envelope {
  const failure = toTRPCError(error);
  const status = getHTTPStatusCodeFromError(failure);
  if (failure.code === 'INTERNAL_SERVER_ERROR') log.error({ err: error }, 'statement download failed');
  const domain = failure.cause instanceof DomainError ? failure.cause : undefined;
  const data = { domainCode: domain?.code ?? null, details: domain?.details };
  return toEnvelope(status, { message: failure.message, code: failure.code, data }, undefined);
}

/**
 * `GET /api/v1/wallets/{id}/statement?format=csv`: every line of the period as a CSV download, read a
 * page at a time and written as it comes, at the pace the client reads (backpressure), so that a period
 * of any length costs the server one page of memory. Without format=csv the request goes on to the REST
 * adapter (the JSON statement). Same service, same access rule, same errors in the envelope.
 */
export function statementCsvHandler(createContext: CreateContext, log: Logger): RequestHandler {
  return async (req: Request, res: Response, next) => {
    if (req.query.format !== 'csv') return next();
    const parsed = walletStatementInput.safeParse({ ...req.query, id: req.params.id });
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path, message: i.message }));
      return sendEnvelope(res, toEnvelope(400, { issues }, undefined));
    }
    const input = parsed.data;
    try {
      const ctx = signedIn(await createContext(req));
      const { actor } = ctx;
      // Read where the caller's own recent postings are visible, as every procedure's reads are, and
      // answered 503 past the request's deadline as they are, up to the download's start (its pages then
      // come at the pace the client reads them).
      await ctx.services.readYourWrites.read(actor.id, async () => {
        const found = ctx.services.statements.allLines(actor, input);
        const download = await withinMs(found, ctx.deadlineMs, tooSlow);
        await sendCsv(res, input, download, log);
      });
    } catch (error) {
      sendEnvelope(res, errorEnvelope(error, log));
    }
  };
}

type Download = { wallet: { accountNumber: string }; pages: AsyncIterable<StatementLine[]> };

async function sendCsv(res: Response, input: WalletStatementInput, download: Download, log: Logger) {
  const { wallet, pages } = download;
  const name = `statement-${wallet.accountNumber}-${fileTime(input.from)}-${fileTime(input.to)}.csv`;
  res.status(200);
  res.setHeader('content-type', 'text/csv; charset=utf-8');
  res.setHeader('content-disposition', `attachment; filename="${name}"`);
  res.setHeader('cache-control', 'no-store');
  async function* chunks() {
    yield csvRow([...STATEMENT_CSV_COLUMNS]);
    for await (const lines of pages) yield csvLines(lines);
  }
  try {
    // Ends the generator (no further page is read) when the client goes away.
    await pipeline(Readable.from(chunks()), res);
  } catch (error) {
    // Headers are sent: all that is left is to cut the download short, so that it cannot pass for whole.
    if (!res.destroyed) res.destroy();
    if ((error as { code?: string }).code !== 'ERR_STREAM_PREMATURE_CLOSE')
      log.error({ err: error }, 'statement download cut short');
  }
}

type Document = { paths?: Record<string, Record<string, unknown> | undefined> };
type OkResponse = { content?: Record<string, unknown>; headers?: Record<string, unknown> };

/** `/openapi.json`'s word on the download: the JSON statement's operation also answers text/csv. */
export function describeStatementCsv(doc: Document): void {
  const operation = doc.paths?.[STATEMENT_PATH]?.get as
    | { responses?: Record<string, OkResponse> }
    | undefined;
  const ok = operation?.responses?.['200'];
  if (!ok?.content) throw new Error(`OpenAPI: GET ${STATEMENT_PATH} has no 200 to add the CSV download to`);
  ok.content['text/csv'] = {
    schema: {
      type: 'string',
      description:
        `With format=csv: a header row (${STATEMENT_CSV_COLUMNS.join(',')}), then every line of the ` +
        'period, oldest first; amounts in minor units. Not enveloped, not paged.',
    },
  };
  ok.headers = {
    'Content-Disposition': {
      description:
        'With format=csv: attachment; filename="statement-<accountNumber>-<from>-<to>.csv" (date-times without colons)',
      schema: { type: 'string' },
    },
  };
}
