import { createHmac, randomInt, randomUUID } from 'node:crypto';
import {
  type Actor,
  type Customer,
  DomainError,
  type LoginInput,
  type RegisterInput,
  type ValidateOtpInput,
} from '@tekana/contracts';
import { customers, type Database, recordAudit, uniqueViolation } from '@tekana/db';
import { maskPhoneNumber } from '@tekana/sms';
import argon2 from 'argon2';
import { eq, sql } from 'drizzle-orm';
import { createSigner, createVerifier } from 'fast-jwt';
import type { Clock } from '../ports/clock';
import type { OtpStore } from '../ports/otp-store';
import { enforceLimit, type Limits } from '../ports/rate-limiter';
import type { SmsQueue } from '../ports/sms-queue';
import type { TokenClaims, TokenRevocations } from '../ports/token-revocations';
import { toCustomer } from './api-rows';
import { auditEntry } from './audit';
import { createVerifiedTokens, type VerifiedToken } from './verified-tokens';

export type AuthDeps = {
  database: Database;
  otpStore: OtpStore;
  smsQueue: SmsQueue;
  /** Decides when a token has expired. */
  clock: Clock;
  limits: Limits;
  /** Tokens signed out. */
  revocations: TokenRevocations;
  jwtSecret: string;
  jwtTtl: string;
  otpTtlSeconds: number;
};

export type AuthService = ReturnType<typeof createAuthService>;

const BAD_CREDENTIALS = 'Invalid email or password';
const BAD_OTP = 'Invalid or expired code';
const DUPLICATE_FIELD: Record<string, string> = {
  customers_email_lower_key: 'email',
  customers_phone_number_key: 'phoneNumber',
  customers_id_number_key: 'idNumber',
};

export function createAuthService(deps: AuthDeps) {
  const { db } = deps.database;
  const key = new TextEncoder().encode(deps.jwtSecret);
  // Signature, algorithm and issuer, checked synchronously with node:crypto's HMAC (WebCrypto's async
  // verify cost ~15 % of the server's time under load); expiry against the clock, in verifyToken.
  const verifySignature = createVerifier({
    key: Buffer.from(key),
    algorithms: ['HS256'],
    allowedIss: 'tekana',
    ignoreExpiration: true,
    ignoreNotBefore: true,
  });
  // Each token is verified once, then known until it expires.
  const verified = createVerifiedTokens();
  // Verified against when the email is unknown, so both refusals take the same time.
  const dummyHash = argon2.hash('not-a-real-password', { type: argon2.argon2id });
  const otpHash = (customerId: string, otp: string) =>
    createHmac('sha256', key).update(`${customerId}:${otp}`).digest('base64url');

  return {
    register: (input: RegisterInput) => createAccount(deps.database, input, 'CUSTOMER'),

    /** Checks the password, then sends a fresh one-time code by SMS. */
    async login(input: LoginInput, ip: string): Promise<{ otpSent: true; phoneNumber: string }> {
      await enforceLimit(deps.limits.loginPerIp, ip);
      await enforceLimit(deps.limits.loginPerAccount, input.email);
      const [row] = await db
        .select()
        .from(customers)
        .where(eq(sql`lower(${customers.email})`, input.email))
        .limit(1);
      // An unknown email still costs one argon2 verification, so timing does not reveal which emails exist.
      const valid = row?.passwordHash
        ? await argon2.verify(row.passwordHash, input.password)
        : await argon2.verify(await dummyHash, input.password).then(() => false);
      if (!row || !valid) throw new DomainError('INVALID_CREDENTIALS', BAD_CREDENTIALS);
      const otp = String(randomInt(0, 1_000_000)).padStart(6, '0');
      await deps.otpStore.save(row.id, otpHash(row.id, otp), deps.otpTtlSeconds);
      await deps.smsQueue.enqueue({
        to: row.phoneNumber,
        kind: 'OTP',
        text: `Your Tekana code is ${otp}. It expires in ${Math.round(deps.otpTtlSeconds / 60)} minutes. Never share it.`,
      });
      return { otpSent: true, phoneNumber: maskPhoneNumber(row.phoneNumber) };
    },

    async validateOtp(input: ValidateOtpInput, ip: string): Promise<{ token: string; customer: Customer }> {
      await enforceLimit(deps.limits.otpPerIp, ip);
      await enforceLimit(deps.limits.otpPerAccount, input.phoneNumber);
      const [row] = await db
        .select()
        .from(customers)
        .where(eq(customers.phoneNumber, input.phoneNumber))
        .limit(1);
      if (!row?.passwordHash) throw new DomainError('INVALID_OTP', BAD_OTP);
      const result = await deps.otpStore.check(row.id, otpHash(row.id, input.otp));
      if (result === 'LOCKED')
        throw new DomainError('INVALID_OTP', 'Too many wrong codes; log in again for a new one');
      if (result !== 'OK') throw new DomainError('INVALID_OTP', BAD_OTP);
      const token = await signAccessToken(key, { id: row.id, role: row.role }, deps.jwtTtl);
      return { token, customer: toCustomer(row) };
    },

    /**
     * The actor a bearer token names and the token's claims, or null when it is missing, forged, expired
     * or revoked. From memory only, whatever the mode: no round trip on an authenticated request.
     */
    async verifyToken(token: string): Promise<VerifiedToken | null> {
      const nowMs = deps.clock.now().getTime();
      const known = verified.get(token, nowMs) ?? verifyNew(token, nowMs);
      // After the cache, on every request: a token revoked once cached is refused at its next use.
      if (!known || deps.revocations.isRevoked(known.claims)) return null;
      return known;
    },

    /** Signs out: this token is refused from now until it would have expired. The answer holds no token. */
    async logout(token: TokenClaims): Promise<{ signedOut: true }> {
      await deps.revocations.revokeToken(token.tokenId, token.expiresAtMs);
      return { signedOut: true };
    },
  };

  function verifyNew(token: string, nowMs: number): VerifiedToken | undefined {
    try {
      const payload = verifySignature(token) as Record<string, unknown>;
      const { sub, role, exp, jti } = payload;
      if (typeof sub !== 'string' || (role !== 'CUSTOMER' && role !== 'ADMIN')) return undefined;
      if (typeof exp !== 'number' || exp * 1000 <= nowMs) return undefined;
      // A token that cannot be revoked is not accepted (those signed before tokens had an id).
      if (typeof jti !== 'string' || jti === '') return undefined;
      const entry: VerifiedToken = {
        actor: { id: sub, role },
        claims: { tokenId: jti, expiresAtMs: exp * 1000 },
      };
      verified.remember(token, entry);
      return entry;
    } catch {
      return undefined;
    }
  }
}

/**
 * The bearer token of a signed-in actor: HS256, issuer `tekana`, subject the customer id, claim `role`,
 * and an id of its own (`jti`) by which logout revokes it.
 */
export async function signAccessToken(key: Uint8Array, actor: Actor, ttl: string): Promise<string> {
  const sign = createSigner({
    key: Buffer.from(key),
    algorithm: 'HS256',
    iss: 'tekana',
    sub: actor.id,
    expiresIn: ttl,
  });
  return sign({ role: actor.role, jti: randomUUID() });
}

/**
 * Creates an ADMIN account, audited (admin.create) in the same database transaction. `createdBy` is who
 * made it: an admin, or the system account for `pnpm admin:create`, which no signed-in person runs.
 */
export function createAdmin(database: Database, input: RegisterInput, createdBy: Actor): Promise<Customer> {
  return createAccount(database, input, 'ADMIN', createdBy);
}

/** Creates an account (argon2id hash); a taken email, phone number or ID number is a 409 naming the field. */
async function createAccount(
  database: Database,
  input: RegisterInput,
  ...[role, createdBy]: ['CUSTOMER'] | ['ADMIN', Actor]
): Promise<Customer> {
  const passwordHash = await argon2.hash(input.password, { type: argon2.argon2id });
  const { password: _password, ...fields } = input;
  try {
    return await database.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(customers)
        .values({ ...fields, passwordHash, role })
        .returning();
      if (!row) throw new Error('insert returned no row');
      const created = toCustomer(row);
      if (createdBy)
        await recordAudit(tx, [auditEntry(createdBy, 'admin.create', created.id, null, created)]);
      return created;
    });
  } catch (error) {
    const constraint = uniqueViolation(error);
    if (constraint === undefined) throw error;
    throw new DomainError(
      'CONFLICT',
      `A customer with this ${DUPLICATE_FIELD[constraint] ?? 'unique field'} already exists`,
    );
  }
}
