import { appRouter } from '@tekana/api';
import { generateOpenApiDocument, type OpenAPIObject } from 'trpc-to-openapi';
import { z } from 'zod';
import { errorDataSchema } from './envelope';
import { restProcedureMeta } from './procedures';

type JsonSchema = Record<string, unknown>;
type Operation = {
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: JsonSchema }> }>;
};

const envelopeOf = (data: JsonSchema, extra: Record<string, JsonSchema> = {}): JsonSchema => ({
  type: 'object',
  properties: { status: { type: 'integer' }, message: { type: 'string' }, data, ...extra },
  required: ['status', 'message', 'data', ...Object.keys(extra)],
});

/**
 * trpc-to-openapi describes bare outputs and tRPC error shapes; the REST layer sends the old envelope.
 * Rewritten once at start so that `/openapi.json` describes exactly what is sent.
 */
export function createOpenApiDocument(version: string): OpenAPIObject {
  const doc = generateOpenApiDocument(appRouter, {
    title: 'Tekana Wallet API',
    description:
      'REST adapter of the tRPC procedures. Every body is `{ status, message, data }`; amounts are integer minor units.',
    version,
    baseUrl: '/api/v1',
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
  });
  const errorRef = { $ref: '#/components/schemas/ErrorEnvelope' };
  doc.components = {
    ...doc.components,
    schemas: { ErrorEnvelope: envelopeOf(withoutDialect(z.toJSONSchema(errorDataSchema) as JsonSchema)) },
  };
  for (const meta of restProcedureMeta()) {
    const { path, method } = meta.openapi ?? {};
    const operation =
      path && method
        ? (doc.paths?.[path]?.[method.toLowerCase() as 'get'] as Operation | undefined)
        : undefined;
    if (!operation?.responses) continue;
    // A body whose fields are all optional may be left out (the REST layer reads no body as no fields).
    const body = operation.requestBody?.content?.['application/json']?.schema;
    if (operation.requestBody && !(body?.required as unknown[] | undefined)?.length)
      operation.requestBody.required = false;
    const success = operation.responses['200'];
    const data = success?.content?.['application/json']?.schema ?? {};
    const envelope = meta.envelopeToken
      ? envelopeOf(((data.properties as Record<string, JsonSchema>)?.customer ?? {}) as JsonSchema, {
          token: { type: 'string' },
        })
      : envelopeOf(data);
    const statuses = typeof meta.created === 'function' ? ['200', '201'] : meta.created ? ['201'] : ['200'];
    const responses: Operation['responses'] = Object.fromEntries(
      statuses.map((status) => [
        status,
        { description: meta.message ?? 'OK', content: { 'application/json': { schema: envelope } } },
      ]),
    );
    for (const [status, response] of Object.entries(operation.responses)) {
      if (status.startsWith('2')) continue;
      responses[status] = {
        description: response.description ?? 'Error',
        content: { 'application/json': { schema: errorRef } },
      };
    }
    responses.default = {
      description: 'Any other error: 404, 409 conflict, 422 refused posting (data.code), 429, 503',
      content: { 'application/json': { schema: errorRef } },
    };
    operation.responses = responses;
  }
  return doc;
}

/** A schema embedded in the document must not declare its own JSON Schema dialect. */
function withoutDialect({ $schema: _dialect, ...schema }: JsonSchema): JsonSchema {
  return schema;
}
