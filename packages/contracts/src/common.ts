import { z } from 'zod';

export const idSchema = z.uuid();

/** The note a caller may write on a posting, a reversal or a void: what its `statusMessage` then says. */
export const statusMessageInput = z.string().trim().max(200);

/** Money is an integer count of minor units (RWF exponent 0, USD exponent 2), never a float. */
export const amountSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/**
 * A number in a JSON body, strictly. Behind a pipe because trpc-to-openapi switches on coercion for a bare
 * z.number() of a REST input, which would take "100", true or null as numbers; behind it, left strict.
 */
export const bodyInteger = (schema: z.ZodNumber) => schema.pipe(z.number());

/** An amount in a request body: a JSON integer, strictly. */
export const positiveAmountSchema = bodyInteger(z.number().int().positive().max(Number.MAX_SAFE_INTEGER));
/** A balance may be negative only on wallet types that allow it (FLOAT). */
export const balanceSchema = z.number().int();

/** Digits (as query parameters carry numbers) become the number they spell; anything else is left to the check. */
export const digitsAsNumber = <V>(value: V): V | number =>
  typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;

/**
 * An integer query parameter: a number or its decimal digits. The digits become a number before the
 * check, so that the document shows an integer and its range. Behind that pipe, trpc-to-openapi leaves
 * the number strict (it switches on coercion for a bare z.number(), which takes " 1" or "1e3").
 */
export const integerQuery = (schema: z.ZodNumber) =>
  z.preprocess(digitsAsNumber<number | `${number}`>, schema);

export const amountQuery = integerQuery(amountSchema);

const stringBoolean = z.stringbool();
/** A boolean query parameter: true or false, or the strings z.stringbool() reads ("true", "0", "yes", ...). */
export const booleanQuery = z.preprocess(
  (value: boolean | string) =>
    typeof value === 'string' ? (stringBoolean.safeParse(value).data ?? value) : value,
  z.boolean(),
);

/**
 * A boolean in a JSON body. trpc-to-openapi switches on coercion for every bare z.boolean() of a REST
 * input, which would read the string "false" as true; behind a pipe it is left strict.
 */
export const bodyBoolean = z.boolean().pipe(z.boolean());

export const dateTimeSchema = z.iso.datetime({ offset: true });
export const dateTimeQuery = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
