import { type AddressInfo, createServer, type Server, Socket } from 'node:net';

/**
 * A TCP relay in front of a real Postgres or Redis, so that a test can take the backing service "down"
 * for one server without touching the shared one. `cut()` is a service that is gone: it stops listening
 * and destroys every relayed connection, so new connections are refused. `freeze()` is a service that
 * stops answering (a silent partition): connections stay open and accepted, but no byte goes through.
 * `restore()` undoes either (connections open during a freeze are dropped, as a partition would).
 */
export type TcpProxy = {
  port: number;
  /** `url` with its host and port replaced by this proxy's. */
  rewrite(url: string): string;
  cut(): Promise<void>;
  freeze(): void;
  restore(): Promise<void>;
  close(): Promise<void>;
};

export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const targetHost = target.hostname || '127.0.0.1';
  const targetPort = Number(target.port) || (target.protocol.startsWith('redis') ? 6379 : 5432);
  const sockets = new Set<Socket>();
  let frozen = false;

  const relay = (client: Socket) => {
    sockets.add(client);
    if (frozen) {
      client.on('error', () => client.destroy());
      return;
    }
    const upstream = new Socket();
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    upstream.connect(targetPort, targetHost, () => {
      client.on('data', (chunk) => void (frozen || upstream.write(chunk)));
      upstream.on('data', (chunk) => void (frozen || client.write(chunk)));
    });
  };

  let server: Server | undefined;
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const s = createServer(relay);
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        server = s;
        resolve((s.address() as AddressInfo).port);
      });
    });
  const port = await listen(0);

  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  const cut = async () => {
    const s = server;
    server = undefined;
    const closed = s ? new Promise<void>((resolve) => s.close(() => resolve())) : Promise.resolve();
    dropAll();
    await closed;
  };

  return {
    port,
    rewrite(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    cut,
    freeze() {
      frozen = true;
    },
    async restore() {
      if (frozen) {
        frozen = false;
        dropAll();
      }
      if (!server) await listen(port);
    },
    async close() {
      frozen = false;
      await cut();
    },
  };
}
