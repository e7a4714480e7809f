import { randomUUID } from 'node:crypto';
import { appRouter, type Context, withinMs } from '@tekana/api';
import { createExpressMiddleware } from '@trpc/server/adapters/express';
import express, { type Express, type Request, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Config } from '../config';
import type { Runtime } from '../runtime';
import { createDocsRouter } from './docs';
import { createOpenApiDocument } from './openapi';
import { createRestHandlers } from './rest';
import { corsFor, securityHeaders } from './security';
import { STATEMENT_PATH, statementCsvHandler } from './statement-csv';

// A readiness probe must answer promptly even when a dependency hangs.
const READY_CHECK_MS = 2_000;

export function createApp(
  config: Config,
  runtime: Runtime,
  log: Logger,
): { app: Express; drain(): Promise<void> } {
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
  app.use(requestId, securityHeaders(), ...corsFor(config.CORS_ORIGINS));
  if (log.isLevelEnabled('info')) {
    app.use(
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
  app.use(metrics.observe);

  const createContext = async (req: Request): Promise<Context> => {
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
  const tracked =
    (handler: RequestHandler): RequestHandler =>
    (req, res, next) => {
      const work = Promise.resolve(handler(req, res, next));
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
      return work;
    };

  app.use(
    '/trpc',
    tracked(
      createExpressMiddleware({
        router: appRouter,
        createContext: ({ req }) => createContext(req),
        onError: ({ error, path }) => {
          if (error.code === 'INTERNAL_SERVER_ERROR')
            log.error({ err: error.cause ?? error, path }, 'procedure failed');
        },
      }),
    ),
  );
  // The statement's CSV download streams, which the REST adapter cannot: its own route, ahead of it.
  app.get(
    `/api/v1${STATEMENT_PATH.replace('{id}', ':id')}`,
    tracked(statementCsvHandler(createContext, log)),
  );
  const rest = createRestHandlers(createContext, log);
  app.use('/api/v1', rest.prepare, tracked(rest.adapter));

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
  app.use((_req, res) => {
    res.status(404).json({ status: 404, message: 'Not found', data: { code: 'NOT_FOUND' } });
  });
  return { app, drain: () => Promise.allSettled([...inFlight]).then(() => undefined) };
}
