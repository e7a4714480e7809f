/**
 * 1. CONTEXT: who is calling (from the bearer token) and the services, built once at start.
 */
import { type Actor, DomainError, type ErrorCode } from '@tekana/contracts';
import { initTRPC } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { domainCodeOf, toTRPCError } from './errors';
import type { TokenClaims } from './ports/token-revocations';
import type { Services } from './services';
import { withinMs } from './within-ms';

export type { Actor };

export type Context = {
  actor: Actor | null;
  /** The bearer token the actor signed in with, for logout; null with the actor. */
  token: TokenClaims | null;
  /** The client's address, for per-IP rate limits. */
  ip: string;
  /** How long a procedure may take before the caller gets 503 (a silent database or Redis must not hang it). */
  deadlineMs: number;
  services: Services;
};

/** Who may call a procedure: set by its kind (section 3), never by a router. */
export type Access = 'public' | 'customer' | 'admin';

/**
 * Our own procedure metadata next to trpc-to-openapi's: the REST envelope's message on success,
 * `created` for procedures that answer 201, and what `/openapi.json` documents of its refusals.
 */
export type Meta = OpenApiMeta & {
  message?: string;
  /** Answers 201; a function decides from the procedure's output (a bulk call creates only when atomic). */
  created?: boolean | ((output: unknown) => boolean);
  /** REST only: the output's `token` goes beside `data` in the envelope, as the old validateOtp did. */
  envelopeToken?: boolean;
  access?: Access;
  /**
   * The codes the procedure's service may refuse with (NOT_FOUND, CONFLICT, INSUFFICIENT_FUNDS, ...), on
   * top of those of its kind (`ACCESS_ERRORS`); `/openapi.json` lists each under its HTTP status.
   */
  errors?: readonly ErrorCode[];
  /**
   * A mutation by someone not signed in: the account it wrote for (register: the new customer), whose
   * reads, once signed in, must see it as their own write.
   */
  writtenFor?: (output: unknown) => string | undefined;
};

/**
 * 2. INITIALIZATION: errors carry their domain code; internals never leave the server.
 */
const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    errorFormatter({ shape, error }) {
      const internal = error.code === 'INTERNAL_SERVER_ERROR';
      return {
        ...shape,
        message: internal ? 'Internal error' : shape.message,
        data: {
          code: shape.data.code,
          httpStatus: shape.data.httpStatus,
          domainCode: domainCodeOf(error) ?? null,
          ...(error.cause instanceof DomainError && error.cause.details
            ? { details: error.cause.details }
            : {}),
        },
      };
    },
  });

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * 3. PROCEDURES: public, customer (any signed-in account), admin.
 */
/**
 * What any procedure of a kind may answer, whatever its service does: input refused by its schema, the
 * deadline or a backing service down, and the refusals of the kind's own guard below.
 */
export const ACCESS_ERRORS: Record<Access, readonly ErrorCode[]> = {
  public: ['BAD_REQUEST', 'SERVICE_UNAVAILABLE'],
  customer: ['BAD_REQUEST', 'SERVICE_UNAVAILABLE', 'UNAUTHORIZED'],
  admin: ['BAD_REQUEST', 'SERVICE_UNAVAILABLE', 'UNAUTHORIZED', 'FORBIDDEN'],
};

/** What a call past its deadline (`Context.deadlineMs`) is answered: 503, try again. */
export const tooSlow = () =>
  new DomainError('SERVICE_UNAVAILABLE', 'The service is slow to answer; try again shortly');

/**
 * Every procedure's frame, one middleware (each layer of tRPC's chain copies its options: four layers once
 * cost a posting ~5 % of the server's CPU, less since the patch in README's "Dependency notes"), from the
 * outside in:
 * - domain errors become tRPC errors, mapped in one place (`errors.ts`);
 * - read-your-writes (README, "Read replicas"): after a mutation, done or refused or cut off, its caller's
 *   reads must see it wherever they are served; recorded outside the deadline, since a committed write is
 *   answered even when keeping its position is slow (that wait has a bound of its own);
 * - the deadline: a posting cut off may still commit, and the caller's retry under the same
 *   externalReferenceNumber gets that posting back, which is what idempotency is for;
 * - a query goes where its caller's recent writes are visible, inside the deadline.
 */
const frame = t.middleware(async ({ ctx, type, meta, next }) => {
  const call = type === 'query' ? ctx.services.readYourWrites.read(ctx.actor?.id, () => next()) : next();
  // Past the deadline nobody awaits it: a late failure must not become an unhandled rejection.
  call.catch(() => undefined);
  let result: Awaited<ReturnType<typeof next>> | undefined;
  let failure: unknown;
  try {
    result = await withinMs(call, ctx.deadlineMs, tooSlow);
  } catch (error) {
    failure = error;
  }
  if (type === 'mutation') {
    const writtenFor = result?.ok ? meta?.writtenFor?.(result.data) : undefined;
    const writers = [ctx.actor?.id, writtenFor].filter((id): id is string => id !== undefined);
    await ctx.services.readYourWrites.wrote(writers);
  }
  if (!result) throw toTRPCError(failure);
  if (!result.ok) throw toTRPCError(result.error);
  return result;
});

export const publicProcedure = t.procedure.use(frame).meta({ access: 'public' });

/** The caller's account and token, or UNAUTHORIZED: what every signed-in route asks first. */
export function signedIn(ctx: Context): Context & { actor: Actor; token: TokenClaims } {
  const { actor, token } = ctx;
  if (!actor || !token) throw new DomainError('UNAUTHORIZED', 'Sign in first: send a valid bearer token');
  return { ...ctx, actor, token };
}

export const customerProcedure = publicProcedure
  .use(({ ctx, next }) => next({ ctx: signedIn(ctx) }))
  .meta({ access: 'customer' });

export const adminProcedure = customerProcedure
  .use(({ ctx, next }) => {
    if (ctx.actor.role !== 'ADMIN') throw new DomainError('FORBIDDEN', 'Only an admin may do this');
    return next({ ctx });
  })
  .meta({ access: 'admin' });
