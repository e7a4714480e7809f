import { STATUS_CODES } from 'node:http';
import { ACCESS_ERRORS, type Meta } from '@tekana/api';
import { ERROR_STATUS, type ErrorCode } from '@tekana/contracts';
import { z } from 'zod';
import { CLIENT_ERROR_ANSWERS } from './client-error';
import { errorDataSchema } from './envelope';

/**
 * Codes the REST adapter (trpc-to-openapi) answers with itself, around the procedure rather than from
 * it: a body that is not JSON, too large or not sent as JSON, and whatever failed unexpectedly.
 */
const ADAPTER_ERROR_STATUS = {
  PARSE_ERROR: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTERNAL_SERVER_ERROR: 500,
} as const;
type AdapterError = keyof typeof ADAPTER_ERROR_STATUS;
const BODY_ERRORS: AdapterError[] = ['PARSE_ERROR', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];

/** A `data.code` of an error envelope sent by `/api/v1`. */
export type ResponseCode = ErrorCode | AdapterError;

const statusOf = (code: ResponseCode): number =>
  code in ADAPTER_ERROR_STATUS ? ADAPTER_ERROR_STATUS[code as AdapterError] : ERROR_STATUS[code as ErrorCode];

/** What a client should make of each status, in the words of this API. */
const MEANING: Record<number, string> = {
  400: 'Invalid input: data.issues names each field (PARSE_ERROR: the body is not JSON)',
  401: 'Not signed in (no valid bearer token), or wrong credentials',
  403: 'Signed in, but not allowed to do this',
  404: 'No such record, or none the caller may see',
  409: 'Conflicts with what exists',
  413: 'The body is over 100 KB',
  415: 'The body is not sent as application/json',
  422: 'Refused by the ledger: nothing was posted',
  429: 'Too many attempts: the message says when to try again',
  500: 'An unexpected error, logged on the server',
  503: 'A backing service is down or slow: try again shortly',
};

/**
 * Every code an operation may answer with: those of its kind (public, customer, admin), those its
 * service may refuse with (its `errors` meta), the adapter's for a body, and the unexpected.
 */
export function errorCodesOf(meta: Meta, takesBody: boolean): ResponseCode[] {
  const codes: ResponseCode[] = [
    ...ACCESS_ERRORS[meta.access ?? 'public'],
    ...(meta.errors ?? []),
    ...(takesBody ? BODY_ERRORS : []),
    'INTERNAL_SERVER_ERROR',
  ];
  return [...new Set(codes)];
}

type JsonSchema = Record<string, unknown>;
type ResponseObject = { description: string; content: { 'application/json': { schema: JsonSchema } } };

const codeSchema = (codes: string[]) =>
  z.enum(codes as [string, ...string[]]).meta({ description: 'Machine-readable: what to switch on' });

/**
 * The error responses of one operation, one per status, each with the `data.code` values it may carry
 * as an enum, so that a generated client can switch on them.
 */
export function errorResponses(codes: ResponseCode[]): Record<string, ResponseObject> {
  const statuses = [...new Set(codes.map(statusOf))].sort((a, b) => a - b);
  return Object.fromEntries(
    statuses.map((status) => {
      const ofStatus = codes.filter((code) => statusOf(code) === status);
      const data = errorDataSchema.extend({ code: codeSchema(ofStatus) });
      return [
        String(status),
        errorResponse(
          `${MEANING[status] ?? STATUS_CODES[status]}. data.code: ${ofStatus.join(', ')}`,
          status === 400 ? data : data.omit({ issues: true }),
          status,
        ),
      ];
    }),
  );
}

/** What Node's HTTP parser refuses before any operation (a malformed request, a URL over 16 KB, ...). */
export function clientErrorResponse(): ResponseObject {
  const codes = [...new Set(CLIENT_ERROR_ANSWERS.map((a) => a.code))];
  const statuses = [...new Set(CLIENT_ERROR_ANSWERS.map((a) => a.status))].sort((a, b) => a - b);
  const answers = CLIENT_ERROR_ANSWERS.map((a) => `${a.status}: ${a.message}`).join('; ');
  return errorResponse(
    `Refused before reaching the operation (${answers}). data.code: ${codes.join(', ')}`,
    errorDataSchema.omit({ issues: true, index: true }).extend({ code: codeSchema(codes) }),
    statuses,
  );
}

function errorResponse(description: string, data: z.ZodType, status: number | number[]): ResponseObject {
  const { $schema: _dialect, ...dataJson } = z.toJSONSchema(data) as JsonSchema;
  return {
    description,
    content: {
      'application/json': {
        schema: {
          type: 'object',
          properties: {
            // One status each (a client narrows the body by it), or the list of the parser's refusals.
            status: Array.isArray(status)
              ? { type: 'integer', enum: status }
              : { type: 'integer', const: status },
            message: { type: 'string' },
            data: dataJson,
          },
          required: ['status', 'message', 'data'],
        },
      },
    },
  };
}
