import type { ServerResponse } from 'node:http';
import type { Meta } from '@tekana/api';
import { limitExceededSchema } from '@tekana/contracts';
import { z } from 'zod';

/** LIMIT_EXCEEDED's facts, sent beside its code. */
const limitExceededFields = {
  remainingAmount: limitExceededSchema.shape.remainingAmount.optional().meta({
    description: 'LIMIT_EXCEEDED: what the wallet may still send now under its limits (null: no amount cap)',
  }),
  remainingCount: limitExceededSchema.shape.remainingCount.optional().meta({
    description: 'LIMIT_EXCEEDED: how many more postings it may make now (null: no count cap)',
  }),
  resetsAt: limitExceededSchema.shape.resetsAt.optional().meta({
    description: 'LIMIT_EXCEEDED: when the limit it is over starts its next period',
  }),
};

/**
 * The old gateway's envelope `{ status, message, data }`, made in this one place from what
 * trpc-to-openapi sends: the procedure's output on success, the tRPC error shape on failure.
 */
type ErrorBody = {
  message?: string;
  code?: string;
  issues?: { path: PropertyKey[]; message: string }[];
  data?: { domainCode?: string | null; details?: Record<string, unknown> };
};

export type Envelope = { status: number; message: string; data: unknown; token?: string };

export function toEnvelope(status: number, body: unknown, meta: Meta | undefined): Envelope {
  if (status >= 400) return errorEnvelope(status, (body ?? {}) as ErrorBody);
  if (meta?.envelopeToken && body && typeof body === 'object' && 'token' in body) {
    const { token, customer } = body as { token: string; customer: unknown };
    return { status, message: meta.message ?? 'OK', data: customer, token };
  }
  return { status, message: meta?.message ?? 'OK', data: body ?? null };
}

/**
 * The envelope as JSON, around the JSON trpc-to-openapi answered with. A plain success wraps that text as it
 * is (`data` is the procedure's output unchanged, and a bulk answer is tens of kB to parse again for
 * nothing: trpc-to-openapi sends JSON.stringify's text); errors and token answers go through `toEnvelope`,
 * and come back as `undefined` when their text is not JSON.
 */
export function envelopeJson(status: number, json: string, meta: Meta | undefined): string | undefined {
  if (status < 400 && !meta?.envelopeToken) {
    const data = json === '' ? 'null' : json;
    return `{"status":${status},"message":${JSON.stringify(meta?.message ?? 'OK')},"data":${data}}`;
  }
  let body: unknown = null;
  try {
    body = json === '' ? null : JSON.parse(json);
  } catch {
    return undefined;
  }
  return JSON.stringify(toEnvelope(status, body, meta));
}

/** An envelope as the whole answer (an error found before or outside the REST adapter). */
export function sendEnvelope(res: ServerResponse, envelope: Envelope) {
  res.statusCode = envelope.status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(envelope));
}

function errorEnvelope(status: number, body: ErrorBody): Envelope {
  const code = body.data?.domainCode ?? body.code ?? 'INTERNAL';
  if (body.issues) {
    const issues = body.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    const message = `Invalid input: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`;
    return { status, message, data: { code: 'BAD_REQUEST', issues } };
  }
  return {
    status,
    // Internal details never get here: the tRPC error formatter already replaced them.
    message: body.message ?? 'Error',
    data: { ...body.data?.details, code },
  };
}

/** The same envelope as a schema, for `/openapi.json`. */
export const errorDataSchema = z.object({
  code: z
    .string()
    .meta({ description: 'Machine-readable: a tRPC code or a domain code such as INSUFFICIENT_FUNDS' }),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  index: z
    .int()
    .nonnegative()
    .optional()
    .meta({ description: 'An atomic bulk request: the item that was refused (nothing was posted)' }),
  ...limitExceededFields,
});
