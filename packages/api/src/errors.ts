import { DomainError, ERROR_STATUS, type ErrorCode } from '@tekana/contracts';
import { causeChain, isDatabaseUnavailable, isRefusedValue } from '@tekana/db';
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';

/** The one mapping from a domain code to a tRPC code (which trpc-to-openapi turns into the HTTP status). */
const TRPC_CODE_BY_STATUS: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  422: 'UNPROCESSABLE_CONTENT',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL_SERVER_ERROR',
  503: 'SERVICE_UNAVAILABLE',
};

export function trpcCodeOf(code: ErrorCode): TRPC_ERROR_CODE_KEY {
  return TRPC_CODE_BY_STATUS[ERROR_STATUS[code]] ?? 'INTERNAL_SERVER_ERROR';
}

/** Redis (ioredis) refusing a command because it is down, unreachable or not answering. */
function isRedisUnavailable(error: unknown): boolean {
  for (const e of causeChain(error)) {
    if (
      /enableOfflineQueue|Connection is closed|Stream isn't writeable|ECONNREFUSED|max retries|Command timed out/i.test(
        e.message,
      )
    ) {
      return true;
    }
    if (e instanceof AggregateError && e.errors.some(isUnavailable)) return true;
  }
  return false;
}

/** A database or Redis that is down or unreachable: the client should retry later (503), not see a 500. */
export function isUnavailable(error: unknown): boolean {
  return isDatabaseUnavailable(error) || isRedisUnavailable(error);
}

/** Turns whatever a procedure threw into the TRPCError the client sees. */
export function toTRPCError(error: unknown): TRPCError {
  const cause = error instanceof TRPCError && error.cause ? error.cause : error;
  if (cause instanceof DomainError) {
    return new TRPCError({ code: trpcCodeOf(cause.code), message: cause.message, cause });
  }
  if (error instanceof TRPCError && error.code !== 'INTERNAL_SERVER_ERROR') return error;
  if (isRefusedValue(cause)) {
    return new TRPCError({
      code: 'BAD_REQUEST',
      message: 'A value in the request cannot be stored or searched',
      cause,
    });
  }
  if (isUnavailable(cause)) {
    return new TRPCError({
      code: 'SERVICE_UNAVAILABLE',
      message: 'A backing service is unavailable; try again shortly',
      cause,
    });
  }
  return error instanceof TRPCError
    ? error
    : new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal error', cause });
}

/** The domain code carried by an error, for the `code` clients switch on. */
export function domainCodeOf(error: TRPCError): ErrorCode | undefined {
  return error.cause instanceof DomainError ? error.cause.code : undefined;
}
