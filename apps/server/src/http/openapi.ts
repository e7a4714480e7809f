import { appRouter, type Meta } from '@tekana/api';
import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { clientErrorResponse, errorCodesOf, errorResponses } from './error-responses';
import { restProcedureMeta } from './procedures';
import { describeStatementCsv } from './statement-csv';

type JsonSchema = Record<string, unknown>;
type Operation = {
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { description?: string; schema?: JsonSchema }[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: JsonSchema }> }>;
};

/** The document's tags, in the order Swagger UI shows them; an operation's tag must be one of these. */
const TAGS: Record<string, string> = {
  customers: 'Registration, sign-in (login, then validateOtp for a bearer token), sign-out, customers',
  wallets: 'Wallets: one currency each, a balance in minor units',
  walletTypes:
    'Kinds of wallet (PERSONAL, MERCHANT, FLOAT, ...), their limits and whether they may go negative',
  transactions: 'Postings: one amount from a debited wallet to a credited one, and their reversals',
  transactionTypes: 'Kinds of posting (DEPOSIT, TRANSFER, ...) and their limits',
  rules: 'What each transaction type may debit and credit, per wallet type',
  limits: 'What a wallet of a type may send per day or month (LIMIT_EXCEEDED past it)',
  audit: 'The append-only log of admin actions',
};

const envelopeOf = (
  data: JsonSchema,
  status: number,
  extra: Record<string, JsonSchema> = {},
): JsonSchema => ({
  type: 'object',
  properties: {
    status: { type: 'integer', const: status },
    message: { type: 'string' },
    data,
    ...extra,
  },
  required: ['status', 'message', 'data', ...Object.keys(extra)],
});

/**
 * trpc-to-openapi describes bare outputs and tRPC error shapes; the REST layer sends the old envelope.
 * Rewritten once at start so that `/openapi.json` describes exactly what is sent: each operation's
 * success envelope, its errors by status with the `data.code` values each may carry (from the
 * procedure's kind and `errors` meta), and who may call it.
 */
export function createOpenApiDocument(version: string): OpenAPIObject {
  const doc = generateOpenApiDocument(appRouter, {
    title: 'Tekana Wallet API',
    description:
      'REST adapter of the tRPC procedures. Every body, errors included, is `{ status, message, data }`; ' +
      'errors carry `data.code`, listed per operation and status. Amounts are integer minor units. Enums ' +
      'are sent as names; the old numeric codes are still accepted on input (each enum says which).',
    version,
    baseUrl: '/api/v1',
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
  });
  // No open licence: the API is Tekana's own (an SPDX expression for a licence that SPDX does not list).
  doc.info.license = { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' };
  // trpc-to-openapi's error shapes, which the envelopes below replace.
  for (const name of Object.keys(doc.components?.schemas ?? {})) {
    if (name.startsWith('error.')) delete doc.components?.schemas?.[name];
  }
  doc.tags = Object.entries(TAGS).map(([name, description]) => ({ name, description }));
  for (const meta of restProcedureMeta()) {
    const { path, method } = meta.openapi ?? {};
    const operation =
      path && method
        ? (doc.paths?.[path]?.[method.toLowerCase() as 'get'] as Operation | undefined)
        : undefined;
    if (!operation?.responses) continue;
    checkDescribed(`${method} ${path}`, meta, operation);
    operation.security = meta.access === 'public' ? [] : [{ bearer: [] }];
    // Swagger UI and generated clients show a parameter's own description, not its schema's.
    for (const parameter of operation.parameters ?? []) {
      const described = parameter.schema?.description;
      if (typeof described === 'string') parameter.description ??= described;
    }
    // A body whose fields are all optional may be left out (the REST layer reads no body as no fields).
    const body = operation.requestBody?.content?.['application/json']?.schema;
    if (operation.requestBody && !(body?.required as unknown[] | undefined)?.length)
      operation.requestBody.required = false;
    const data = operation.responses['200']?.content?.['application/json']?.schema ?? {};
    const envelope = (status: number) =>
      meta.envelopeToken
        ? envelopeOf(
            ((data.properties as Record<string, JsonSchema>)?.customer ?? {}) as JsonSchema,
            status,
            {
              token: { type: 'string' },
            },
          )
        : envelopeOf(data, status);
    const statuses = typeof meta.created === 'function' ? [200, 201] : meta.created ? [201] : [200];
    operation.responses = {
      ...Object.fromEntries(
        statuses.map((status) => [
          String(status),
          {
            description: meta.message ?? 'OK',
            content: { 'application/json': { schema: envelope(status) } },
          },
        ]),
      ),
      ...errorResponses(errorCodesOf(meta, operation.requestBody !== undefined)),
      default: clientErrorResponse(),
    };
  }
  describeStatementCsv(doc as Parameters<typeof describeStatementCsv>[0]);
  return doc;
}

/**
 * Every operation says what it does, under a known tag, and is protected exactly when its procedure's
 * kind needs a token: refused at start otherwise, so that a new procedure cannot slip out undocumented.
 */
function checkDescribed(name: string, meta: Meta, operation: Operation): void {
  const problems = [
    !operation.description && 'no description',
    !operation.tags?.length && 'no tag',
    ...(operation.tags ?? []).filter((tag) => !(tag in TAGS)).map((tag) => `the unknown tag ${tag}`),
    (meta.openapi?.protect ?? true) !== (meta.access !== 'public') &&
      `protect: ${meta.openapi?.protect} for a ${meta.access} procedure`,
  ].filter(Boolean);
  if (problems.length > 0) throw new Error(`OpenAPI: ${name} has ${problems.join(', ')}`);
}
