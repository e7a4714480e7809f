import { z } from 'zod';

export const idSchema = z.uuid();

/** Money is an integer count of minor units (RWF exponent 0, USD exponent 2), never a float. */
export const amountSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/**
 * An amount in a request body: a JSON integer, strictly. Behind a pipe because trpc-to-openapi switches on
 * coercion for a bare z.number() of a REST input, which would take "100", true or null as amounts.
 */
export const positiveAmountSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER).pipe(z.number());
/** A balance may be negative only on wallet types that allow it (FLOAT). */
export const balanceSchema = z.number().int();

/**
 * Query parameters arrive as strings: accept a number or its decimal string. Each ends in a pipe because
 * trpc-to-openapi refuses a bare union with z.number()/z.boolean() as a query parameter.
 */
export const amountQuery = z
  .union([amountSchema, z.string().regex(/^\d+$/).transform(Number)])
  .pipe(amountSchema);

export const booleanQuery = z.union([z.boolean(), z.stringbool()]).pipe(z.boolean());

/**
 * A boolean in a JSON body. trpc-to-openapi switches on coercion for every bare z.boolean() of a REST
 * input, which would read the string "false" as true; behind a pipe it is left strict.
 */
export const bodyBoolean = z.boolean().pipe(z.boolean());

export const dateTimeSchema = z.iso.datetime({ offset: true });
export const dateTimeQuery = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
