import type { Context } from '@tekana/api';
import { appRouter } from '@tekana/api';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { createOpenApiExpressMiddleware } from 'trpc-to-openapi';
import { envelopeJson } from './envelope';
import { procedureMeta } from './procedures';

export type CreateContext = (req: Request) => Promise<Context>;

/** The old API sent snake_case filters (`first_name`, `phone_number`, ...): accept both spellings. */
function camelCaseQuery(req: Request) {
  const [path, query] = req.url.split('?', 2);
  if (query?.includes('_')) {
    const renamed = new URLSearchParams();
    for (const [key, value] of new URLSearchParams(query)) {
      renamed.append(
        key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()),
        value,
      );
    }
    req.url = `${path}?${renamed.toString()}`;
  }
}

/**
 * A POST or PUT that carries no body (none at all, as `curl -XPOST` sends, or `content-length: 0`) means
 * "no fields", whatever its content type: the procedure's own input schema then decides, so an input whose
 * fields are all optional (reverse's `statusMessage`) is accepted and a missing required field is a 400
 * naming it. Left to trpc-to-openapi, the first is a 415 (no content type) and the second a 400 "Failed to
 * parse request body" (co-body refuses a request that has no body).
 */
function emptyBodyMeansNoFields(req: Request) {
  const { 'content-length': length, 'transfer-encoding': encoding } = req.headers;
  const bodiless = encoding === undefined && (length === undefined || length === '0');
  if (bodiless && (req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH')) {
    req.headers['content-type'] = 'application/json';
    // trpc-to-openapi takes a body already parsed as it is.
    req.body = {};
  }
}

/** Rewrites the JSON that trpc-to-openapi ends the response with into the old envelope. */
function envelope(res: Response) {
  const end = res.end.bind(res) as (chunk?: unknown) => Response;
  res.end = ((chunk?: unknown) => {
    res.end = end as Response['end'];
    const meta = procedureMeta(res.locals.procedurePath as string | undefined);
    const json = envelopeJson(res.statusCode, chunk === undefined ? '' : String(chunk), meta);
    if (json === undefined) return end(chunk);
    res.setHeader('content-type', 'application/json; charset=utf-8');
    return end(json);
  }) as Response['end'];
}

/**
 * REST at /api/v1: the same procedures as /trpc, every body in the old envelope. Two handlers: the
 * request's preparation (old query names, an empty body, the envelope) in one step, then the adapter,
 * which alone does asynchronous work (a layer of the router costs a few microseconds a request).
 */
export function createRestHandlers(
  createContext: CreateContext,
  log: Logger,
): { prepare: RequestHandler; adapter: RequestHandler } {
  const responseOf = new WeakMap<Context, Response>();
  const handler = createOpenApiExpressMiddleware({
    router: appRouter,
    createContext: async ({ req, res }) => {
      const ctx = await createContext(req);
      responseOf.set(ctx, res);
      return ctx;
    },
    // Remembers which procedure answered (for the envelope's message) and gives creations their 201.
    responseMeta: ({ ctx, paths, errors, data }) => {
      const path = paths?.[0];
      const res = ctx ? responseOf.get(ctx as Context) : undefined;
      if (res) res.locals.procedurePath = path;
      const created = procedureMeta(path)?.created;
      const isCreated = typeof created === 'function' ? created(data?.[0]) : created === true;
      return errors.length === 0 && isCreated ? { status: 201 } : {};
    },
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR')
        log.error({ err: error.cause ?? error, path }, 'procedure failed');
    },
  });
  const prepare: RequestHandler = (req, res, next) => {
    camelCaseQuery(req);
    emptyBodyMeansNoFields(req);
    envelope(res);
    next();
  };
  return { prepare, adapter: handler as RequestHandler };
}
