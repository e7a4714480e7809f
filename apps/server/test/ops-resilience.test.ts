import { signAccessToken } from '@tekana/api';
import type { Customer } from '@tekana/contracts';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { newCustomerInput, registerAndSignIn, type TestServer, useTestServer } from './harness';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

// A request to a server whose database or Redis is gone must be answered, quickly, not left hanging.
const ANSWER_WITHIN_MS = 5_000;

type Answer = { status: number; body: Record<string, unknown>; ms: number };

async function call(
  server: TestServer,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const started = Date.now();
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(ANSWER_WITHIN_MS + 5_000),
  });
  const parsed = (await response.json()) as Record<string, unknown>;
  return { status: response.status, body: parsed, ms: Date.now() - started };
}

function expectUnavailable(answer: Answer) {
  expect(answer.status).toBe(503);
  expect(answer.body).toEqual({
    status: 503,
    message: expect.stringMatching(/\S/),
    data: { code: 'SERVICE_UNAVAILABLE' },
  });
  expect(answer.ms).toBeLessThan(ANSWER_WITHIN_MS);
}

async function waitUntilReady(server: TestServer) {
  await vi.waitFor(async () => expect((await call(server, 'GET', '/ready')).status).toBe(200), {
    timeout: 20_000,
    interval: 200,
  });
}

describe('when PostgreSQL goes down', () => {
  let proxy: TcpProxy;
  beforeAll(async () => {
    proxy = await startTcpProxy(inject('databaseUrl'));
  });
  afterAll(async () => {
    await proxy?.close();
  });
  const server = useTestServer(() => ({ DATABASE_URL: proxy.rewrite(inject('databaseUrl')) }));
  // After-hooks run last registered first: PostgreSQL is back before the server stops.
  afterAll(async () => {
    await proxy?.restore();
  });

  it('answers 503 in the envelope within seconds, reports the database down on /ready, and serves again once it is back', async () => {
    const { token, customer } = await registerAndSignIn(server);
    const input = newCustomerInput();
    expect((await call(server, 'GET', '/api/v1/customers/me', undefined, token)).status).toBe(200);

    await proxy.cut();
    expectUnavailable(await call(server, 'GET', '/api/v1/customers/me', undefined, token));
    expectUnavailable(
      await call(server, 'POST', '/api/v1/customers/login', {
        email: customer.email,
        password: 'whatever-1',
      }),
    );
    expectUnavailable(await call(server, 'POST', '/api/v1/customers/register', input));
    const ready = await call(server, 'GET', '/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ database: 'down', redis: 'up' });
    expect(ready.ms).toBeLessThan(ANSWER_WITHIN_MS);

    await proxy.restore();
    await waitUntilReady(server);
    const me = await call(server, 'GET', '/api/v1/customers/me', undefined, token);
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({ id: customer.id });
    expect((await call(server, 'POST', '/api/v1/customers/register', input)).status).toBe(201);
    expect(
      (
        await call(server, 'POST', '/api/v1/customers/login', {
          email: input.email,
          password: input.password,
        })
      ).status,
    ).toBe(200);
  });
});

describe('when Redis goes down', () => {
  let proxy: TcpProxy;
  beforeAll(async () => {
    proxy = await startTcpProxy(inject('redisUrl'));
  });
  afterAll(async () => {
    await proxy?.close();
  });
  const server = useTestServer(() => ({ REDIS_URL: proxy.rewrite(inject('redisUrl')) }), { worker: false });
  // After-hooks run last registered first: Redis is back before the server stops.
  afterAll(async () => {
    await proxy?.restore();
  });

  it('answers login with 503 in the envelope within seconds, reports Redis down on /ready, and logs in again once it is back', async () => {
    const input = newCustomerInput();
    expect((await server.rest('POST', '/customers/register', input)).status).toBe(201);
    const credentials = { email: input.email, password: input.password };

    await proxy.cut();
    expectUnavailable(await call(server, 'POST', '/api/v1/customers/login', credentials));
    expectUnavailable(
      await call(server, 'PUT', '/api/v1/customers/validateOtp', {
        phoneNumber: input.phoneNumber,
        otp: '123456',
      }),
    );
    const ready = await call(server, 'GET', '/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ database: 'up', redis: 'down' });
    expect(ready.ms).toBeLessThan(ANSWER_WITHIN_MS);

    await proxy.restore();
    await waitUntilReady(server);
    const login = await call(server, 'POST', '/api/v1/customers/login', credentials);
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ status: 200, data: { otpSent: true } });
  });

  it('answers logout with 503 while Redis is down, leaving the token as it was, and signs it out once Redis is back', async () => {
    const registered = await server.rest<Customer>('POST', '/customers/register', newCustomerInput());
    // Signed as validateOtp signs (no worker here to deliver an OTP).
    const key = new TextEncoder().encode(server.env.JWT_SECRET);
    const token = await signAccessToken(key, { id: registered.body.data.id, role: 'CUSTOMER' }, '1h');
    expect((await call(server, 'GET', '/api/v1/customers/me', undefined, token)).status).toBe(200);

    await proxy.cut();
    expectUnavailable(await call(server, 'POST', '/api/v1/customers/logout', undefined, token));
    // Authenticated requests never wait on Redis: they go on while it is down.
    expect((await call(server, 'GET', '/api/v1/customers/me', undefined, token)).status).toBe(200);

    await proxy.restore();
    await waitUntilReady(server);
    expect((await call(server, 'POST', '/api/v1/customers/logout', undefined, token)).status).toBe(200);
    expect((await call(server, 'GET', '/api/v1/customers/me', undefined, token)).status).toBe(401);
  });
});

// A backing service that accepts connections but never answers, as in a network partition: the request
// deadline (REQUEST_TIMEOUT_MS) and the Redis command timeout turn the hang into a prompt 503.
describe('when PostgreSQL or Redis stops answering without closing the connection', () => {
  let pgProxy: TcpProxy;
  let redisProxy: TcpProxy;
  beforeAll(async () => {
    pgProxy = await startTcpProxy(inject('databaseUrl'));
    redisProxy = await startTcpProxy(inject('redisUrl'));
  });
  afterAll(async () => {
    await pgProxy?.close();
    await redisProxy?.close();
  });
  const server = useTestServer(
    () => ({
      DATABASE_URL: pgProxy.rewrite(inject('databaseUrl')),
      REDIS_URL: redisProxy.rewrite(inject('redisUrl')),
      REQUEST_TIMEOUT_MS: '3000',
    }),
    { worker: false },
  );
  // After-hooks run last registered first: both are back before the server stops.
  afterAll(async () => {
    await pgProxy?.restore();
    await redisProxy?.restore();
  });

  it('answers register with 503 within seconds while PostgreSQL is silent', async () => {
    expect((await call(server, 'GET', '/ready')).status).toBe(200); // a pooled connection, open
    pgProxy.freeze();
    try {
      expectUnavailable(await call(server, 'POST', '/api/v1/customers/register', newCustomerInput()));
    } finally {
      await pgProxy.restore();
      await waitUntilReady(server);
    }
  });

  it('answers a CSV statement download with 503 within seconds while PostgreSQL is silent', async () => {
    // No SMS worker here to bring an OTP: the token is signed as the server signs one.
    const registered = await server.rest<Customer>('POST', '/customers/register', newCustomerInput());
    const key = new TextEncoder().encode(server.env.JWT_SECRET);
    const token = await signAccessToken(key, { id: registered.body.data.id, role: 'CUSTOMER' }, '1h');
    const wallet = await server.rest<{ id: string }>(
      'POST',
      '/wallets',
      { walletTypeCode: 'PERSONAL', currencyCode: 'RWF' },
      token,
    );
    expect(wallet.status).toBe(201);
    const period = new URLSearchParams({
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-12-31T00:00:00.000Z',
      format: 'csv',
    });
    const path = `/api/v1/wallets/${wallet.body.data.id}/statement?${period}`;
    pgProxy.freeze();
    try {
      expectUnavailable(await call(server, 'GET', path, undefined, token));
    } finally {
      await pgProxy.restore();
      await waitUntilReady(server);
    }
    // Served again once PostgreSQL answers: a download, not an envelope.
    const again = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(again.status).toBe(200);
    expect(again.headers.get('content-type')).toMatch(/^text\/csv/);
  });

  it('answers login with 503 within seconds while Redis is silent', async () => {
    const input = newCustomerInput();
    expect((await server.rest('POST', '/customers/register', input)).status).toBe(201);
    redisProxy.freeze();
    try {
      expectUnavailable(
        await call(server, 'POST', '/api/v1/customers/login', {
          email: input.email,
          password: input.password,
        }),
      );
    } finally {
      await redisProxy.restore();
      await waitUntilReady(server);
    }
  });
});

describe('in production mode with no SMS worker running', () => {
  const server = useTestServer({ NODE_ENV: 'production' }, { worker: false });
  let redis: Redis;
  beforeAll(async () => {
    redis = new Redis(inject('redisUrl'), { lazyConnect: true, maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    redis?.disconnect();
  });

  it('still answers login with 200: the OTP SMS waits in the queue for a worker', async () => {
    expect(server.runtime.mode).toBe('production');
    const input = newCustomerInput();
    expect((await server.rest('POST', '/customers/register', input)).status).toBe(201);

    const login = await server.rest('POST', '/customers/login', {
      email: input.email,
      password: input.password,
    });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ status: 200, data: { otpSent: true } });

    // BullMQ's own layout (Queue#getWaitingCount counts this list): `${prefix}bull:${queue}:wait`.
    const queueKey = `${server.env.REDIS_PREFIX}bull:${server.env.SMS_QUEUE_NAME}`;
    const waiting = await redis.lrange(`${queueKey}:wait`, 0, -1);
    expect(waiting).toHaveLength(1);
    const job = JSON.parse((await redis.hget(`${queueKey}:${waiting[0]}`, 'data')) ?? '{}') as Record<
      string,
      unknown
    >;
    expect(job).toMatchObject({
      to: input.phoneNumber,
      kind: 'OTP',
      text: expect.stringMatching(/\b\d{6}\b/),
    });
    expect(server.gateway.posts).toHaveLength(0);
  });
});
