import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Config } from './config';
import { createApp } from './http/app';
import { answerClientError } from './http/client-error';
import { createRuntime, type Runtime } from './runtime';

// An idle keep-alive connection is closed by its client or the proxy in front (nginx's upstream connections
// 60 s, load balancers commonly 60 s, Node's fetch 4 s), never first by this server: a server that closes
// an idle connection races a request its client is sending on it, which then fails with a reset (Node's
// default is 5 s).
// The header timeout must outlast it, or an idle connection would be cut as a slow request.
const KEEP_ALIVE_MS = 65_000;
const HEADERS_TIMEOUT_MS = 66_000;

export type RunningServer = { url: string; runtime: Runtime; close(): Promise<void> };

/** Migrates, wires the adapters, listens. `close` stops accepting, lets requests finish, then releases all. */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const runtime = await createRuntime(config, log);
  let server: Server;
  let drain: () => Promise<void> = async () => {};
  try {
    // Inside the try: a failure to build the app must still release the database and Redis connections.
    const http = createApp(config, runtime, log);
    drain = http.drain;
    server = await new Promise<Server>((resolve, reject) => {
      const s = createServer(
        { keepAliveTimeout: KEEP_ALIVE_MS, headersTimeout: HEADERS_TIMEOUT_MS },
        http.handle,
      );
      s.once('error', reject);
      s.listen(config.PORT, config.HOST, () => {
        s.off('error', reject);
        resolve(s);
      });
    });
    server.on('clientError', answerClientError);
  } catch (error) {
    await runtime.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const database =
    runtime.database.kind === 'embedded' ? `embedded PGlite in ${config.DATA_DIR}` : 'PostgreSQL';
  const backing = runtime.redis
    ? 'Redis (OTPs, limits, SMS queue for `pnpm worker`)'
    : `in-memory OTPs and limits, SMS in-process via ${config.SMS_PROVIDER}`;
  log.info(
    { port, mode: runtime.mode },
    `Tekana Wallet listening on http://localhost:${port}: ${database}; ${backing}; no other server needed${runtime.redis ? ' but these' : ''}`,
  );

  return {
    url: `http://127.0.0.1:${port}`,
    runtime,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Requests still running after 10 s are cut so that shutdown always finishes.
        setTimeout(() => server.closeAllConnections(), 10_000).unref();
      });
      // Clients may have gone while their procedures still run: let those finish (bounded) first.
      await Promise.race([drain(), new Promise((r) => setTimeout(r, 10_000).unref())]);
      await runtime.close();
    },
  };
}
