import fc from 'fast-check';

/** The part of JSON Schema that `/openapi.json` uses for parameters and request bodies. */
export type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
};

type Parameter = { in: string; name: string; required?: boolean; schema?: JsonSchema };
type OperationObject = {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
};

/** One documented operation, its parameters gathered into object schemas so that one mutator serves all. */
export type Operation = {
  method: string;
  path: string;
  pathParams: JsonSchema;
  query: JsonSchema;
  body: JsonSchema | undefined;
};

/** Every operation of a dereferenced OpenAPI document, in the document's order. */
export function operationsOf(document: { paths: Record<string, Record<string, OperationObject>> }) {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]): Operation => {
      const params = (where: string): JsonSchema => {
        const declared = (operation.parameters ?? []).filter((p) => p.in === where);
        return {
          type: 'object',
          properties: Object.fromEntries(declared.map((p) => [p.name, p.schema ?? {}])),
          required: declared.filter((p) => p.required || where === 'path').map((p) => p.name),
        };
      };
      return {
        method,
        path,
        pathParams: params('path'),
        query: params('query'),
        body: operation.requestBody?.content?.['application/json']?.schema,
      };
    }),
  );
}

/**
 * Realistic values for a field, by its name (`body` for a whole request body, `<name>[]` for each item
 * of the array `<name>`): real ids and codes of the world under test. Without them nearly every
 * schema-valid request would name nothing that exists and stop at a 404.
 */
export type Hints = (name: string) => fc.Arbitrary<unknown> | undefined;

const SAFE = Number.MAX_SAFE_INTEGER;

/** A value the schema accepts (as the document says; the server may refuse more, e.g. a limit of 0). */
export function validValue(schema: JsonSchema, hints: Hints, name = ''): fc.Arbitrary<unknown> {
  const hinted = hints(name);
  const plain = schemaValue(schema, hints, name);
  return hinted ? fc.oneof({ weight: 3, arbitrary: hinted }, { weight: 1, arbitrary: plain }) : plain;
}

function schemaValue(schema: JsonSchema, hints: Hints, name: string): fc.Arbitrary<unknown> {
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices) return fc.oneof(...choices.map((s) => validValue(s, hints)));
  if (schema.allOf?.[0]) return validValue(schema.allOf[0], hints);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if ('const' in schema) return fc.constant(schema.const);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1) return fc.oneof(...types.map((type) => validValue({ ...schema, type }, hints)));
  switch (types[0]) {
    case 'string':
      return stringOf(schema);
    case 'integer':
    case 'number':
      return integerOf(schema);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(validValue(schema.items ?? {}, hints, `${name}[]`), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 5, 5),
      });
    case 'object':
      return objectOf(schema, hints);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringOf(schema: JsonSchema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? Number.POSITIVE_INFINITY;
  const fits = (s: string) => s.length >= min && s.length <= max;
  if (schema.format === 'uuid') return fc.uuid();
  if (schema.format === 'date-time') {
    return fc
      .date({
        min: new Date('1970-01-01T00:00:00Z'),
        max: new Date('2100-01-01T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString());
  }
  if (schema.format === 'email') return fc.emailAddress().filter(fits);
  if (schema.pattern) {
    return fc.stringMatching(new RegExp(schema.pattern), { maxLength: Math.min(max, 64) }).filter(fits);
  }
  const upTo = Math.max(min, Math.min(max, 40));
  return fc.oneof(
    fc.string({ minLength: min, maxLength: upTo }),
    fc.string({ minLength: min, maxLength: upTo, unit: 'grapheme' }).filter(fits),
  );
}

function integerOf(schema: JsonSchema): fc.Arbitrary<number> {
  const low = schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : (schema.minimum ?? -SAFE);
  const high = schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : (schema.maximum ?? SAFE);
  const whole = fc.bigInt({ min: BigInt(low), max: BigInt(high) }).map(Number);
  // Mostly small values, where limits and balances are; the whole range now and then.
  const smallLow = Math.max(low, -10);
  const smallHigh = Math.min(high, smallLow + 5_000);
  if (smallLow > smallHigh) return whole;
  return fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: smallLow, max: smallHigh }) },
    { weight: 1, arbitrary: whole },
  );
}

function objectOf(schema: JsonSchema, hints: Hints): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const required = (schema.required ?? []).filter((key) => key in properties);
  const optional = Object.keys(properties).filter((key) => !required.includes(key));
  const shape = Object.fromEntries(
    Object.entries(properties).map(([key, property]) => [key, validValue(property, hints, key)]),
  );
  // A few optional fields at a time: twenty list filters at once would match nothing, ever.
  return fc
    .tuple(fc.record(shape), fc.subarray(optional, { maxLength: Math.min(3, optional.length) }))
    .map(([all, chosen]) =>
      Object.fromEntries(
        Object.entries(all).filter(([key]) => required.includes(key) || chosen.includes(key)),
      ),
    );
}

// Values of the wrong type for about any field, and the usual troublemakers for text.
const wrongTypes = fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, '', 'x', [], {}, [1, 2], { a: 1 });
const troublesomeText = fc.constantFrom(
  ' ',
  '\u0000',
  'a\u0000b',
  '%',
  '%00',
  'a/b',
  '?x=1#',
  "'; select 1; --",
  '\\',
  '"',
  '\u202e\ud83d\ude00',
  '\ud800',
  '__proto__',
  '-'.repeat(36),
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
  '12345678-1234-1234-1234-123456789abc',
);
const troublesomeDates = fc.constantFrom(
  'yesterday',
  '2026-02-30T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  '+275760-09-13T00:00:00.000Z',
  '2026-01-01T00:00:00+14:00',
  '2026-01-01T24:00:00Z',
  '2026-01-01',
);
const troublesomeNumbers = fc.constantFrom<unknown>(
  -0,
  0.5,
  1e21,
  -1e21,
  1e308,
  2 ** 53,
  -(2 ** 53),
  '1',
  '0x10',
  '1e3',
  ' 1',
  '-1',
  '99999999999999999999999',
);

/**
 * A value close to `value` that the schema (or the server's stricter check) refuses: a wrong type, a
 * missing required field, a number out of range, an oversized string, a NUL character, an unknown key.
 * `value` is what the valid generator made; mutations go one field deep at a time, recursively.
 */
export function invalidValue(schema: JsonSchema, value: unknown): fc.Arbitrary<unknown> {
  const options: fc.Arbitrary<unknown>[] = [wrongTypes];
  const choices = schema.anyOf ?? schema.oneOf;
  // The schema itself, or the members of its union, one level down (enough for enum names or codes).
  const members = (choices ?? [schema]).flatMap((s) => s.anyOf ?? s.oneOf ?? [s]);
  const types = new Set(members.flatMap((s) => (Array.isArray(s.type) ? s.type : [s.type ?? ''])));
  if (types.has('object') && isRecord(value)) options.push(...objectMutations(schema, value));
  if (types.has('array') && Array.isArray(value)) options.push(...arrayMutations(schema, value));
  if (types.has('string') || schema.enum || choices) options.push(...stringMutations(schema, value));
  if (types.has('integer') || types.has('number')) options.push(...numberMutations(members));
  return fc.oneof(...options);
}

function objectMutations(schema: JsonSchema, value: Record<string, unknown>): fc.Arbitrary<unknown>[] {
  const properties = schema.properties ?? {};
  const keys = Object.keys(properties);
  const required = (schema.required ?? []).filter((key) => key in value);
  const mutations: fc.Arbitrary<unknown>[] = [
    fc
      .tuple(fc.constantFrom('extra', '__proto__', 'constructor', 'password'), fc.jsonValue({ maxDepth: 1 }))
      .map(([key, extra]) => ({ ...value, [key]: extra })),
  ];
  if (required.length > 0) {
    mutations.push(
      fc
        .constantFrom(...required)
        .map((key) => Object.fromEntries(Object.entries(value).filter(([k]) => k !== key))),
    );
  }
  if (keys.length > 0) {
    mutations.push(
      fc
        .constantFrom(...keys)
        .chain((key) =>
          invalidValue(properties[key] as JsonSchema, value[key]).map((bad) => ({ ...value, [key]: bad })),
        ),
    );
  }
  return mutations;
}

function arrayMutations(schema: JsonSchema, value: unknown[]): fc.Arbitrary<unknown>[] {
  const mutations: fc.Arbitrary<unknown>[] = [fc.constant([])];
  if (schema.maxItems !== undefined && value.length > 0) {
    mutations.push(
      fc.constant(Array.from({ length: schema.maxItems + 1 }, (_, i) => value[i % value.length])),
    );
  }
  if (value.length > 0) {
    mutations.push(
      fc
        .nat(value.length - 1)
        .chain((i) =>
          invalidValue(schema.items ?? {}, value[i]).map((bad) =>
            value.map((item, j) => (j === i ? bad : item)),
          ),
        ),
    );
  }
  return mutations;
}

function stringMutations(schema: JsonSchema, value: unknown): fc.Arbitrary<unknown>[] {
  const text = typeof value === 'string' ? value : 'x';
  const formats = [schema, ...(schema.anyOf ?? schema.oneOf ?? [])].map((s) => s.format);
  const longest = Math.max(...[schema, ...(schema.anyOf ?? [])].map((s) => s.maxLength ?? 255));
  const mutations: fc.Arbitrary<unknown>[] = [
    troublesomeText,
    troublesomeText.map((bad) => `${text}${bad}`),
    // Just over the limit; long but within a URL's 16 KB; past it (431); a body of 20 000 characters.
    fc.constantFrom(longest + 1, 2_000, 20_000).map((length) => text.padEnd(length, 'a')),
    fc.constant(text.padEnd(3_000, 'é')),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.constant(text.toUpperCase()),
    fc.constant(` ${text} `),
  ];
  if (formats.includes('date-time')) mutations.push(troublesomeDates);
  if (formats.includes('uuid')) mutations.push(fc.uuid().map((id) => id.slice(0, 35)));
  return mutations;
}

function numberMutations(members: JsonSchema[]): fc.Arbitrary<unknown>[] {
  const edges = members
    .flatMap((s) => [s.minimum, s.exclusiveMinimum, s.maximum, s.exclusiveMaximum])
    .filter((n): n is number => n !== undefined);
  return [troublesomeNumbers, fc.constantFrom(0, ...edges.flatMap((n) => [n - 1, n, n + 1, n + 0.5]))];
}

/** A JSON object: not null, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The parts of one request, before they are put on the wire. */
export type RequestParts = {
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  /** `undefined`: no body at all. */
  body: unknown;
};

/** A request of the operation as the document allows it, and one with a single thing wrong. */
export function requestsOf(operation: Operation, hints: Hints) {
  const valid: fc.Arbitrary<RequestParts> = fc.record({
    path: validValue(operation.pathParams, hints) as fc.Arbitrary<Record<string, unknown>>,
    query: validValue(operation.query, hints) as fc.Arbitrary<Record<string, unknown>>,
    body: operation.body ? validValue(operation.body, hints, 'body') : fc.constant(undefined),
  });
  const invalid = valid.chain((parts) => {
    const options: fc.Arbitrary<RequestParts>[] = [
      invalidValue(operation.query, parts.query).map((query) => ({ ...parts, query: asRecord(query) })),
    ];
    if (Object.keys(operation.pathParams.properties ?? {}).length > 0) {
      options.push(
        invalidValue(operation.pathParams, parts.path)
          .map((path) => ({ ...parts, path: asRecord(path) }))
          // An empty segment, `.` or `..` would be another route (or normalized away by the URL parser).
          // Judged as `urlOf` writes the value: `String` throws on an object without a usable toString.
          .filter((p) => Object.values(p.path).every((v) => !['', '.', '..', 'undefined'].includes(text(v)))),
      );
    }
    if (operation.body) {
      options.push(
        invalidValue(operation.body, parts.body).map((body) => ({ ...parts, body })),
        fc.constant({ ...parts, body: undefined }),
      );
    }
    return fc.oneof(...options);
  });
  return { valid, invalid };
}

function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : { value };
}

/** The URL path and query string of a request: `{id}` filled in, arrays as repeated parameters. */
export function urlOf(operation: Operation, parts: RequestParts): string {
  const path = operation.path.replace(/\{(\w+)\}/g, (_m, name: string) =>
    encodeURIComponent(text(parts.path[name])),
  );
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(parts.query)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) query.append(key, text(item));
  }
  const search = query.toString();
  return search ? `${path}?${search}` : path;
}

// A lone surrogate has no UTF-8 form: encodeURIComponent throws on it, URLSearchParams sends U+FFFD.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const text = (value: unknown) =>
  (typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)).replace(
    LONE_SURROGATE,
    '\ufffd',
  );
