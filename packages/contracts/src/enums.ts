import { z } from 'zod';
import { digitsAsNumber } from './common';

// Enum values in the old API's order: REST input may send the old numeric code (the index) instead.
export const ID_TYPES = ['NID', 'PASSPORT'] as const;
export const GENDERS = ['FEMALE', 'MALE'] as const;
export const ROLES = ['CUSTOMER', 'ADMIN', 'SYSTEM'] as const;
export const CURRENCY_CODES = ['RWF', 'USD'] as const;
export const WALLET_STATUSES = ['ACTIVE', 'INACTIVE', 'DORMANT'] as const;
export const TRANSACTION_TYPE_STATUSES = ['ACTIVE', 'INACTIVE'] as const;
export const CHANNEL_TYPES = ['WEB', 'APP', 'KIOSK', 'USSD'] as const;
export const TRANSACTION_STATUSES = ['COMPLETED', 'REVERSED', 'FAILED', 'CANCELLED', 'PENDING'] as const;

export const idTypeSchema = z.enum(ID_TYPES);
export const genderSchema = z.enum(GENDERS);
export const roleSchema = z.enum(ROLES);
export const currencyCodeSchema = z.enum(CURRENCY_CODES);
export const walletStatusSchema = z.enum(WALLET_STATUSES);
export const transactionTypeStatusSchema = z.enum(TRANSACTION_TYPE_STATUSES);
export const channelTypeSchema = z.enum(CHANNEL_TYPES);
export const transactionStatusSchema = z.enum(TRANSACTION_STATUSES);

export type IdType = z.infer<typeof idTypeSchema>;
export type Gender = z.infer<typeof genderSchema>;
export type Role = z.infer<typeof roleSchema>;

/** Who is acting: the signed-in customer or admin a bearer token names. */
export type Actor = { id: string; role: Role };
export type CurrencyCode = z.infer<typeof currencyCodeSchema>;
export type WalletStatus = z.infer<typeof walletStatusSchema>;
export type TransactionTypeStatus = z.infer<typeof transactionTypeStatusSchema>;
export type ChannelType = z.infer<typeof channelTypeSchema>;
export type TransactionStatus = z.infer<typeof transactionStatusSchema>;

/**
 * An enum as input: its name, or the old API's numeric code (its index, as a number or a digit string,
 * since query parameters arrive as strings). The code becomes the name before the check, so that the
 * schema's JSON form, and the OpenAPI document made from it, shows the names alone (a client generated
 * from it types the field as the names, not as any string or number); the codes are described beside.
 */
export function enumInput<const T extends readonly [string, ...string[]]>(values: T) {
  const legacyCodes = values.map((name, code) => `${code} = ${name}`).join(', ');
  return z
    .preprocess((value: T[number] | number | `${number}`, ctx) => {
      const code = digitsAsNumber(value);
      if (typeof code !== 'number') return value;
      const name = values[code];
      if (name === undefined) {
        ctx.addIssue({ code: 'custom', message: `Unknown code ${value}: expected 0..${values.length - 1}` });
        return z.NEVER;
      }
      return name;
    }, z.enum(values))
    .meta({
      description: `One of ${values.join(', ')}. The old numeric codes are accepted too, as a number or its digits: ${legacyCodes}.`,
      'x-legacy-codes': Object.fromEntries(values.map((name, code) => [name, code])),
    });
}
