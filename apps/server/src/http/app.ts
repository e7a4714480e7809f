import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { appRouter, type Context, withinMs } from '@tekana/api';
import type { TRPCError } from '@trpc/server';
import { internal_exceptionHandler, nodeHTTPRequestHandler } from '@trpc/server/adapters/node-http';
import express, { type Request, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import proxyAddr from 'proxy-addr';
import type { Config } from '../config';
import type { Runtime } from '../runtime';
import { createDocsRouter } from './docs';
import { sendEnvelope } from './envelope';
import { createOpenApiDocument } from './openapi';
import { createRestHandlers } from './rest';
import { corsFor, securityHeaders } from './security';
import { STATEMENT_PATH, statementCsvHandler } from './statement-csv';

// A readiness probe must answer promptly even when a dependency hangs.
const READY_CHECK_MS = 2_000;
const REST_PREFIX = '/api/v1';
const TRPC_PREFIX = '/trpc';
// As express mounts a path: any case, then a slash, a query or the end.
const REST_MOUNT = /^\/api\/v1(?=[/?]|$)/i;
const TRPC_MOUNT = /^\/trpc(?=[/?]|$)/i;

/**
 * The HTTP server's request listener: the concerns of every request (request id, security headers, CORS,
 * the access log, metrics) applied once, then the APIs (REST at /api/v1, tRPC at /trpc) served without
 * express, and every other route (the statement's CSV download, the docs, health and metrics) by express.
 */
export function createApp(
  config: Config,
  runtime: Runtime,
  log: Logger,
): { handle: RequestListener; drain(): Promise<void> } {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);
  const { metrics } = runtime;

  // Every answer carries a request id; the access log (one line per request) costs a child logger per
  // request, so it is mounted only when its level is on.
  const requestId: RequestHandler = (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', id);
    (req as Request & { id: string }).id = id;
    next();
  };
  const everyRequest: RequestHandler[] = [requestId, securityHeaders(), ...corsFor(config.CORS_ORIGINS)];
  if (log.isLevelEnabled('info')) {
    everyRequest.push(
      pinoHttp({
        logger: log,
        genReqId: (req) => (req as typeof req & { id: string }).id,
        // Only method and path: query strings and bodies may carry personal data.
        serializers: {
          req: (req: { id: string; method: string; url: string }) => ({
            id: req.id,
            method: req.method,
            path: req.url.split('?')[0],
          }),
          res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        },
        autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
      }),
    );
  }
  everyRequest.push(metrics.observe);

  const createContext = async (req: ApiRequest | Request): Promise<Context> => {
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const verified = token ? await runtime.services.auth.verifyToken(token) : null;
    return {
      actor: verified?.actor ?? null,
      token: verified?.claims ?? null,
      ip: req.ip ?? 'unknown',
      services: runtime.services,
      deadlineMs: config.REQUEST_TIMEOUT_MS,
    };
  };

  // Procedures still running (their clients may be gone) must finish, and queue their notices, before
  // shutdown closes Redis and the database under them.
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    const done = () => inFlight.delete(work);
    // Settled either way; a failure stays the caller's to answer (express, or the listener below).
    work.then(done, done);
    return work;
  };
  const tracked =
    (handler: RequestHandler): RequestHandler =>
    (req, res, next) =>
      track(Promise.resolve(handler(req, res, next)));

  const trpcOptions = {
    router: appRouter,
    createContext: ({ req }: { req: IncomingMessage }) => createContext(req as ApiRequest),
    onError: ({ error, path }: { error: TRPCError; path?: string }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR')
        log.error({ err: error.cause ?? error, path }, 'procedure failed');
    },
  };
  // The statement's CSV download streams, which the REST adapter cannot: its own route, ahead of it.
  app.get(
    `/api/v1${STATEMENT_PATH.replace('{id}', ':id')}`,
    tracked(statementCsvHandler(createContext, log)),
  );
  const rest = createRestHandlers(createContext, log);
  const restAdapter = tracked(rest.adapter);
  // Only what express hands on from the CSV route (a statement without format=csv) comes here.
  app.use(REST_PREFIX, rest.prepare, restAdapter);

  // The document never changes while the process runs: serialized once (about 200 kB), not per request.
  const openApiJson = JSON.stringify(createOpenApiDocument('1.0.0'));
  app.get('/openapi.json', (_req, res) => {
    res.type('json').send(openApiJson);
  });
  app.use('/docs', createDocsRouter());
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', async (_req, res) => {
    const checks = await Promise.allSettled([
      withinMs(runtime.database.ping(), READY_CHECK_MS),
      runtime.redis ? withinMs(runtime.redis.ping(), READY_CHECK_MS) : Promise.resolve('skipped'),
    ]);
    const [database, redis] = checks.map((c) => (c.status === 'fulfilled' ? 'up' : 'down'));
    const ready = database === 'up' && redis === 'up';
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'unavailable',
      database,
      redis: runtime.redis ? redis : 'not configured',
    });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use((_req, res) => notFound(res));

  /**
   * The APIs without express: its application and router cost about a quarter of the server's CPU per
   * posting (docs/SCALE.md), and the API's handlers need nothing of them but what is set here, each as
   * express sets it: the mount (`req.baseUrl`; for REST `req.url` without the prefix), the client's address
   * under the same `trust proxy` setting, and for REST the query parsed by express's default ("simple")
   * parser.
   */
  const trustProxy = app.get('trust proxy fn');
  const statementRoute = new RegExp(
    `^${REST_PREFIX}${STATEMENT_PATH.replace(/\./g, '\\.').replace('{id}', '[^/?]+')}/?(?:\\?|$)`,
    'i',
  );
  /** What express sets on a request it hands to a path mounted at `prefix`, and the handlers read. */
  const mountAt = (req: ApiRequest, prefix: string) => {
    req.baseUrl = prefix;
    req.ip = proxyAddr(req, trustProxy);
  };
  /** tRPC as its express adapter serves it, the procedure (or a batch's, comma-separated) the last segment. */
  const serveTrpc = (req: ApiRequest, res: ServerResponse) => {
    mountAt(req, TRPC_PREFIX);
    const mounted = (req.url.split('?')[0] ?? '').replace(TRPC_MOUNT, '');
    const path = mounted.slice(mounted.lastIndexOf('/') + 1);
    const call = { ...trpcOptions, req, res, path };
    void track(nodeHTTPRequestHandler(call).catch(internal_exceptionHandler(call)));
  };

  const serveRest = (req: ApiRequest, res: RestResponse) => {
    mountAt(req, REST_PREFIX);
    // The adapter matches the path under the mount; the access log shows the whole one.
    req.originalUrl = req.url;
    const mounted = req.url.replace(REST_MOUNT, '');
    req.url = mounted.startsWith('/') ? mounted : `/${mounted}`;
    res.locals = {};
    asExpress(rest.prepare)(req, res, () => {
      // After `prepare`, which renames the old snake_case filters in the URL.
      req.query = parseQuery(req.url.split('?')[1] ?? '');
      Promise.resolve(asExpress(restAdapter)(req, res, () => notFound(res))).catch((error: unknown) =>
        failed(error, res),
      );
    });
  };

  const failed = (error: unknown, res: ServerResponse) => {
    log.error({ err: error }, 'request failed before its route');
    if (res.headersSent) return void res.destroy();
    sendEnvelope(res, { status: 500, message: 'Internal error', data: { code: 'INTERNAL' } });
  };

  const route = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    // The statement's GET goes through express's CSV route (format=csv), which hands the rest on.
    const csvRoute = (req.method === 'GET' || req.method === 'HEAD') && statementRoute.test(url);
    if (REST_MOUNT.test(url) && !csvRoute) serveRest(req as ApiRequest, res as RestResponse);
    else if (TRPC_MOUNT.test(url)) serveTrpc(req as ApiRequest, res);
    else app(req, res);
  };
  const handle: RequestListener = (req, res) =>
    inOrder(
      everyRequest,
      req,
      res,
      () => route(req, res),
      (error) => failed(error, res),
    );
  return { handle, drain: () => Promise.allSettled([...inFlight]).then(() => undefined) };
}

/** What the API's handlers and the access log read beyond node's, set below as express would. */
type ApiRequest = IncomingMessage & {
  url: string;
  originalUrl?: string;
  baseUrl: string;
  ip: string;
  query?: unknown;
};
type RestResponse = ServerResponse & { locals: Record<string, unknown> };

/** The answer to a path no route serves. */
function notFound(res: ServerResponse) {
  sendEnvelope(res, { status: 404, message: 'Not found', data: { code: 'NOT_FOUND' } });
}

/** An express middleware called on node's request and response, which it reads no more of. */
const asExpress = (handler: RequestHandler) =>
  handler as unknown as (req: IncomingMessage, res: ServerResponse, next: () => void) => unknown;

/** Runs connect-style middlewares one after the other, as express would, then `last`. */
function inOrder(
  handlers: RequestHandler[],
  req: IncomingMessage,
  res: ServerResponse,
  last: () => void,
  fail: (error: unknown) => void,
) {
  let index = 0;
  const next = (error?: unknown) => {
    if (error) return fail(error);
    const handler = handlers[index++];
    if (!handler) return last();
    try {
      asExpress(handler)(req, res, next);
    } catch (thrown) {
      fail(thrown);
    }
  };
  next();
}
