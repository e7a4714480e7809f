import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One form POST as the old gateway received it, with the basic-auth credentials it came with. */
export type GatewayPost = {
  method: string | undefined;
  /** '' when the post lacked the field. */
  recipients: string;
  message: string;
  sender: string;
  /** The client's reference for the message; '' when the post had none. */
  reference: string;
  contentType: string | undefined;
  username: string;
  password: string;
  /** The gateway's answer; undefined while it is still deciding (see `answer`). */
  status: number | undefined;
  receivedAt: number;
};

export type FakeSmsGatewayOptions = {
  username: string;
  password: string;
  /** The status to answer the n-th post (from 1) with, once its credentials are right; 200 by default. */
  answer?: (postNumber: number) => number | Promise<number>;
};

/**
 * A local stand-in for the old SMS gateway, for the worker's tests and the server's integration tests:
 * records every post, refuses wrong credentials with 401.
 */
export type FakeSmsGateway = Awaited<ReturnType<typeof startFakeSmsGateway>>;

export async function startFakeSmsGateway(options: FakeSmsGatewayOptions) {
  const posts: GatewayPost[] = [];
  const server = createServer(async (request, response) => {
    const body = new URLSearchParams(await readBody(request));
    const [username = '', password = ''] = readBasicAuth(request.headers.authorization);
    const authorized = username === options.username && password === options.password;
    const postNumber = posts.length + 1;
    const post: GatewayPost = {
      method: request.method,
      recipients: body.get('recipients') ?? '',
      message: body.get('message') ?? '',
      sender: body.get('sender') ?? '',
      reference: body.get('reference') ?? '',
      contentType: request.headers['content-type'],
      username,
      password,
      status: undefined,
      receivedAt: Date.now(),
    };
    posts.push(post);
    post.status = authorized ? await (options.answer?.(postNumber) ?? 200) : 401;
    response.writeHead(post.status, { 'content-type': 'text/plain' }).end(post.status === 200 ? 'OK' : 'NO');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/send`,
    posts,
    /**
     * The messages sent to phones: accepted posts, once per reference, as a gateway that honours client
     * references sends them (a post without a reference is always a message of its own).
     */
    delivered: () => {
      const seen = new Set<string>();
      return posts.filter((p) => {
        if (p.status !== 200) return false;
        if (!p.reference) return true;
        if (seen.has(p.reference)) return false;
        seen.add(p.reference);
        return true;
      });
    },
    /** Milliseconds between one post and the next: the worker's backoff and rate limit, as the gateway saw them. */
    gaps: () => posts.slice(1).map((post, i) => post.receivedAt - (posts[i]?.receivedAt ?? post.receivedAt)),
    /** The first post to `phone` after the first `since` posts, waiting for it up to `timeoutMs`. */
    async waitFor(phone: string, since: number, timeoutMs = 15_000): Promise<GatewayPost> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = posts.slice(since).find((p) => p.recipients === phone && p.status === 200);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`No SMS to ${phone} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async close() {
      // fetch keeps connections alive; without this, close() would wait for them to time out.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of request) body += chunk;
  return body;
}

function readBasicAuth(header: string | undefined): string[] {
  if (!header?.startsWith('Basic ')) return [];
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? [decoded] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}
