import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Where SMS_GATEWAY_URL points: production config requires the http provider, and no SMS may leave the
 * machine. The server only queues notices (no worker runs), so this normally receives nothing.
 */
export async function startSmsSink(): Promise<{
  url: string;
  received: () => number;
  close(): Promise<void>;
}> {
  let received = 0;
  const server: Server = createServer((req, res) => {
    received++;
    req.resume();
    req.on('end', () => res.end('OK'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/send`,
    received: () => received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
