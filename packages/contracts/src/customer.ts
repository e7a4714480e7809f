import { z } from 'zod';
import { dateTimeSchema, idSchema } from './common';
import { enumInput, GENDERS, genderSchema, ID_TYPES, idTypeSchema, ROLES, roleSchema } from './enums';
import { paginationInput } from './pagination';

const name = z.string().trim().min(1).max(100);
/** Trimmed and lower-cased before the check, so that the document shows an email (format and length). */
export const emailSchema = z.preprocess(
  (value: string) => (typeof value === 'string' ? value.trim().toLowerCase() : value),
  z.email().max(254),
);
/** E.164: a plus, then up to 15 digits, no leading zero. */
export const phoneNumberSchema = z
  .string()
  .trim()
  .regex(/^\+[1-9]\d{7,14}$/, 'Phone number must be in E.164 form, e.g. +250788123456');
export const idNumberSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9-]{4,32}$/, 'ID number must be 4 to 32 letters, digits or dashes');
/** Long enough to resist guessing; the cap keeps argon2 from hashing megabytes. */
export const passwordSchema = z.string().min(8, 'Password must have at least 8 characters').max(128);
export const otpSchema = z.string().regex(/^\d{6}$/, 'OTP must be 6 digits');

export const registerInput = z.object({
  firstName: name,
  lastName: name,
  email: emailSchema,
  phoneNumber: phoneNumberSchema,
  idType: enumInput(ID_TYPES),
  idNumber: idNumberSchema,
  gender: enumInput(GENDERS),
  password: passwordSchema,
});
export type RegisterInput = z.infer<typeof registerInput>;

export const loginInput = z.object({ email: emailSchema, password: z.string().min(1).max(128) });
export type LoginInput = z.infer<typeof loginInput>;

export const validateOtpInput = z.object({ phoneNumber: phoneNumberSchema, otp: otpSchema });
export type ValidateOtpInput = z.infer<typeof validateOtpInput>;

export const customerSchema = z.object({
  id: idSchema,
  firstName: z.string(),
  lastName: z.string(),
  email: z.string(),
  phoneNumber: z.string(),
  idType: idTypeSchema,
  idNumber: z.string(),
  gender: genderSchema,
  role: roleSchema,
  createdAt: dateTimeSchema,
});
export type Customer = z.infer<typeof customerSchema>;

export const loginOutput = z.object({ otpSent: z.literal(true), phoneNumber: z.string() });
export const validateOtpOutput = z.object({ token: z.string(), customer: customerSchema });
/** Logout's answer: never the token it revoked. */
export const logoutOutput = z.object({ signedOut: z.literal(true) });

export const customerListInput = paginationInput.extend({
  id: idSchema.optional(),
  firstName: z.string().max(100).optional(),
  lastName: z.string().max(100).optional(),
  email: emailSchema.optional(),
  phoneNumber: z.string().max(20).optional(),
  idType: enumInput(ID_TYPES).optional(),
  idNumber: z.string().max(32).optional(),
  gender: enumInput(GENDERS).optional(),
  role: enumInput(ROLES).optional(),
});
export type CustomerListInput = z.infer<typeof customerListInput>;

export const customerFindInput = z
  .object({
    id: idSchema.optional(),
    email: emailSchema.optional(),
    phoneNumber: z.string().max(20).optional(),
    idNumber: z.string().max(32).optional(),
  })
  .refine((q) => Object.values(q).some((v) => v !== undefined), {
    message: 'Give one of id, email, phone_number or id_number',
  });
export type CustomerFindInput = z.infer<typeof customerFindInput>;
