import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

type JsonSchema = { [key: string]: unknown };
type Responses = Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
type Paths = Record<string, Record<string, { responses?: Responses }>>;

/** Problems found in one response body; empty when the document describes it. */
export type ResponseValidator = (path: string, method: string, status: number, body: unknown) => string[];

/**
 * Checks real response bodies against `/openapi.json`: the schema of that path, method and status (or
 * `default`), with its $refs resolved. Objects that do not say otherwise are closed (no undeclared
 * properties), so a field the server sends but the document omits is caught too.
 */
export async function compileResponseSchema(document: Record<string, unknown>): Promise<ResponseValidator> {
  const dereferenced = (await SwaggerParser.dereference(structuredClone(document) as never)) as unknown as {
    paths: Paths;
  };
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  // One compilation per response schema: a fuzzer checks thousands of bodies against a few dozen schemas.
  const compiled = new WeakMap<JsonSchema, ValidateFunction>();
  return (path, method, status, body) => {
    const responses = dereferenced.paths[path]?.[method]?.responses;
    if (!responses) return [`the document has no ${method.toUpperCase()} ${path}`];
    const response = responses[String(status)] ?? responses.default;
    const schema = response?.content?.['application/json']?.schema;
    if (!schema)
      return [`the document gives no JSON schema for ${status} on ${method.toUpperCase()} ${path}`];
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile(closed(schema) as JsonSchema);
      compiled.set(schema, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
    );
  };
}

function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const copy: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    // A nested `$schema` marks a resource root in 2020-12; it says nothing about the shape.
    if (key !== '$schema') copy[key] = closed(value);
  }
  const combined = 'allOf' in copy || 'anyOf' in copy || 'oneOf' in copy;
  if (copy.type === 'object' && copy.properties && !('additionalProperties' in copy) && !combined) {
    copy.additionalProperties = false;
  }
  return copy;
}

/** Problems with a text answer (a download): empty when the document lists its media type for that status. */
export type TextValidator = (path: string, method: string, status: number, mediaType: string) => string[];

export function documentedText(document: Record<string, unknown>): TextValidator {
  const paths = document.paths as Paths;
  return (path, method, status, mediaType) => {
    const responses = paths[path]?.[method]?.responses;
    const content = (responses?.[String(status)] ?? responses?.default)?.content ?? {};
    return mediaType in content
      ? []
      : [
          `the document gives no ${mediaType || 'media type'} for ${status} on ${method.toUpperCase()} ${path}`,
        ];
  };
}
