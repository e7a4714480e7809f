import { once } from 'node:events';
import { connect } from 'node:net';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { Customer, Page } from '@tekana/contracts';
import { beforeAll, describe, type ExpectStatic, expect, it } from 'vitest';
import {
  createAdminAndSignIn,
  newCustomerInput,
  type RawResponse,
  type SendInit,
  type SignedIn,
  useTestServer,
} from './harness';
import { compileResponseSchema, type ResponseValidator } from './openapi-response-schema';

const logLines: string[] = [];
const server = useTestServer({}, { logLines });
let admin: SignedIn;
beforeAll(async () => {
  admin = await createAdminAndSignIn(server);
});

const send = (method: string, path: string, init?: SendInit) => server.send(method, path, init);

const json = (body: unknown) => ({
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json' },
});

describe('/openapi.json', () => {
  let document: Record<string, unknown>;
  beforeAll(async () => {
    document = (await send('GET', '/openapi.json')).json() as Record<string, unknown>;
  });

  it('is a valid OpenAPI 3 document', async () => {
    expect(document.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it('describes the envelope actually sent by register (201), login (200), validateOtp (200, token beside data) and errors', async () => {
    const validator: ResponseValidator = await compileResponseSchema(document);
    const input = newCustomerInput();
    const check = (path: string, method: string, answer: RawResponse) => {
      const problems = validator(path, method, answer.status, answer.json());
      expect(problems, `${method} ${path} ${answer.status}: ${answer.text}`).toEqual([]);
    };

    const registered = await send('POST', '/api/v1/customers/register', json(input));
    expect(registered.status).toBe(201);
    check('/customers/register', 'post', registered);
    // The check has teeth: a field the document does not declare, or a missing one, is caught.
    const sent = registered.json() as { data: Record<string, unknown> };
    expect(validator('/customers/register', 'post', 201, { ...sent, extra: 1 })).not.toEqual([]);
    expect(
      validator('/customers/register', 'post', 201, { ...sent, data: { ...sent.data, passwordHash: 'x' } }),
    ).not.toEqual([]);
    expect(validator('/customers/register', 'post', 201, { status: 201, message: 'OK' })).not.toEqual([]);

    const since = server.gateway.posts.length;
    const login = await send(
      'POST',
      '/api/v1/customers/login',
      json({ email: input.email, password: input.password }),
    );
    expect(login.status).toBe(200);
    check('/customers/login', 'post', login);

    const sms = await server.gateway.waitFor(input.phoneNumber, since);
    const otp = /\b(\d{6})\b/.exec(sms.message)?.[1];
    const validated = await send(
      'PUT',
      '/api/v1/customers/validateOtp',
      json({ phoneNumber: input.phoneNumber, otp }),
    );
    expect(validated.status).toBe(200);
    expect(validated.json()).toMatchObject({ token: expect.any(String), data: { email: input.email } });
    check('/customers/validateOtp', 'put', validated);
    const token = (validated.json() as { token: string }).token;

    const me = await send('GET', '/api/v1/customers/me', { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    check('/customers/me', 'get', me);
    const list = await send('GET', '/api/v1/customers', { headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
    check('/customers', 'get', list);

    const conflict = await send('POST', '/api/v1/customers/register', json(input));
    expect(conflict.status).toBe(409);
    check('/customers/register', 'post', conflict);
    const badInput = await send('POST', '/api/v1/customers/register', json({ ...input, email: 'nope' }));
    expect(badInput.status).toBe(400);
    check('/customers/register', 'post', badInput);
    const unauthorized = await send('GET', '/api/v1/customers/me');
    expect(unauthorized.status).toBe(401);
    check('/customers/me', 'get', unauthorized);
  });
});

describe('operational endpoints', () => {
  it('serves Swagger UI at /docs from this server, with no external script host', async () => {
    const bare = await fetch(`${server.url}/docs`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/docs/');
    const page = await send('GET', '/docs/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toMatch(/<div id="swagger-ui">/);
    expect(page.text).not.toMatch(/\b(?:src|href)="(?:https?:)?\/\//);
    const assets = [...page.text.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map(
      (m) => m[1] as string,
    );
    expect(assets).toContain('./swagger-ui-bundle.js');
    for (const asset of assets) {
      const url = new URL(asset, `${server.url}/docs/`);
      expect(url.origin, `${asset} loads from elsewhere`).toBe(server.url);
      expect(url.pathname.startsWith('/docs/')).toBe(true);
      expect((await send('GET', url.pathname)).status, asset).toBe(200);
    }
    const bundle = await send('GET', '/docs/swagger-ui-bundle.js');
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect(bundle.text).toContain('SwaggerUIBundle');
    const initializer = await send('GET', '/docs/swagger-initializer.js');
    expect(initializer.text).toContain("url: '/openapi.json'");
  });

  it('answers /health with 200 and /ready with 200 while the database and Redis are up', async () => {
    const health = await send('GET', '/health');
    expect(health.status).toBe(200);
    const ready = await send('GET', '/ready');
    expect(ready.status).toBe(200);
    expect(ready.json()).toMatchObject({ database: 'up', redis: 'up' });
  });

  it('keeps an idle keep-alive connection open past Node’s 5 s default, so a client reusing it is answered', async () => {
    const url = new URL(server.url);
    const socket = connect(Number(url.port), url.hostname);
    await once(socket, 'connect');
    let received = '';
    let closedByServer = false;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
    });
    socket.on('end', () => {
      closedByServer = true;
    });
    const request = 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n';
    socket.write(request);
    await expect.poll(() => received, { timeout: 5_000 }).toMatch(/^HTTP\/1\.1 200 /);
    expect(received).toMatch(/^keep-alive: timeout=65$/im);
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    expect(closedByServer).toBe(false);
    received = '';
    socket.write(request);
    await expect.poll(() => received, { timeout: 5_000 }).toMatch(/^HTTP\/1\.1 200 /);
    socket.destroy();
  }, 20_000);

  it('exposes Prometheus metrics with the request latency histogram', async () => {
    await send('GET', '/api/v1/customers/me');
    const metrics = await send('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(metrics.text).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
    expect(metrics.text).toMatch(/^http_request_duration_seconds_bucket\{[^}]*status="401"[^}]*\} \d+/m);
    expect(metrics.text).toMatch(/^process_cpu_user_seconds_total /m);
  });
});

describe('structured logs', () => {
  const parsed = () => logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const requestLog = (id: string) =>
    parsed().find((l) => (l.req as { id?: string } | undefined)?.id === id && l.res !== undefined);

  it('carry a request id: a given x-request-id is echoed and reused, otherwise one is made', async () => {
    const given = await send('GET', '/ready', { headers: { 'x-request-id': 'ops-http-trace-42' } });
    expect(given.headers.get('x-request-id')).toBe('ops-http-trace-42');
    expect(requestLog('ops-http-trace-42')).toMatchObject({ req: { method: 'GET', path: '/ready' } });

    const made = await send('GET', '/ready');
    const id = made.headers.get('x-request-id') as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestLog(id)).toBeDefined();

    // A header that is not a plain token is not trusted into the logs.
    const odd = await send('GET', '/ready', { headers: { 'x-request-id': 'a b"c' } });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('carry the same id, path and metrics label for the APIs, which are served without express', async () => {
    const answer = await send('GET', '/api/v1/customers/me', {
      headers: { 'x-request-id': 'ops-http-rest-7' },
    });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('x-request-id')).toBe('ops-http-rest-7');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(requestLog('ops-http-rest-7')).toMatchObject({
      req: { method: 'GET', path: '/api/v1/customers/me' },
      res: { statusCode: 401 },
    });
    // Mounted as express mounted it: any case, and labelled by the mount point.
    const shouted = await send('GET', '/API/V1/customers/me');
    expect(shouted.status).toBe(401);
    expect(shouted.json()).toMatchObject({ status: 401, data: { code: 'UNAUTHORIZED' } });
    // tRPC too: the procedure by its path, a batch by its comma-separated paths, labelled by the mount.
    const trpc = await send('GET', '/trpc/customer.me', { headers: { 'x-request-id': 'ops-http-trpc-8' } });
    expect(trpc.status).toBe(401);
    // Found, then refused (a procedure missed would be NOT_FOUND).
    expect(trpc.json()).toMatchObject({ error: { data: { code: 'UNAUTHORIZED' } } });
    expect(requestLog('ops-http-trpc-8')).toMatchObject({ req: { path: '/trpc/customer.me' } });
    const batch = await send('GET', '/trpc/customer.me,customer.me?batch=1&input={}');
    expect(batch.json()).toMatchObject([
      { error: { data: { code: 'UNAUTHORIZED' } } },
      { error: { data: { code: 'UNAUTHORIZED' } } },
    ]);
    const metrics = await send('GET', '/metrics');
    for (const route of ['\\/api\\/v1', '\\/trpc'])
      expect(metrics.text).toMatch(
        new RegExp(
          `^http_request_duration_seconds_count\\{[^}]*route="${route}",status="401"[^}]*\\} \\d+`,
          'm',
        ),
      );
  });

  it('are JSON lines that never hold a password, an OTP or a token', async () => {
    const input = newCustomerInput({ password: 'pass-phrase-for-the-logs-77' });
    const from = logLines.length;
    const registered = await server.rest('POST', '/customers/register', input);
    expect(registered.status).toBe(201);
    const since = server.gateway.posts.length;
    const login = await server.rest('POST', '/customers/login', {
      email: input.email,
      password: input.password,
    });
    expect(login.status).toBe(200);
    const otp = /\b(\d{6})\b/.exec(
      (await server.gateway.waitFor(input.phoneNumber, since)).message,
    )?.[1] as string;
    const validated = await server.rest('PUT', '/customers/validateOtp', {
      phoneNumber: input.phoneNumber,
      otp,
    });
    const token = validated.body.token as string;
    expect(token).toBeDefined();
    // Wrong credentials and a forged token are logged too; they must not carry the secrets either.
    await server.rest('POST', '/customers/login', { email: input.email, password: `${input.password}-typo` });
    await server.rest('GET', '/customers/me', undefined, token);
    await server.rest('GET', '/customers/me', undefined, `${token}x`);

    const written = logLines.slice(from);
    expect(written.length).toBeGreaterThanOrEqual(6);
    for (const line of written) {
      expect(() => JSON.parse(line), line).not.toThrow();
      expect(line).not.toContain(input.password);
      expect(line).not.toContain(otp);
      expect(line).not.toContain(token);
      expect(line).not.toContain(token.split('.')[2] as string);
    }
  });
});

describe('bad input never gets a 500', () => {
  /** A request under /api/v1; `auth: 'admin'` signs it as the admin (to reach the input checks behind auth). */
  type Spec = {
    method: string;
    path: string;
    body?: string;
    contentType?: string;
    auth: 'admin' | 'forged' | 'none';
  };
  type Case = [endpoint: string, status: number, what: string, spec: Spec];

  // Every register attempt below uses fresh, otherwise valid details: none of them may leave a customer behind.
  const attempted: ReturnType<typeof newCustomerInput>[] = [];
  const registerBody = (overrides: Record<string, unknown> = {}) => {
    const input = newCustomerInput();
    attempted.push(input);
    return JSON.stringify({ ...input, ...overrides });
  };
  const over100Kb = (body: Record<string, unknown>) =>
    JSON.stringify({ ...body, padding: 'x'.repeat(101 * 1024) });
  const allNumbers = (body: Record<string, unknown>) =>
    JSON.stringify(Object.fromEntries(Object.keys(body).map((key) => [key, 12345])));

  const bodyCases = (method: string, path: string, valid: () => Record<string, unknown>): Case[] => {
    const endpoint = `${method} ${path}`;
    const at = { method, path, auth: 'none' as const };
    return [
      [endpoint, 400, 'malformed JSON', { ...at, body: `${JSON.stringify(valid()).slice(0, -1)},` }],
      [endpoint, 400, 'a JSON array', { ...at, body: '[1,2]' }],
      [endpoint, 400, 'a JSON null', { ...at, body: 'null' }],
      [endpoint, 400, 'an empty JSON body', { ...at, body: '' }],
      [
        endpoint,
        415,
        'a text/plain body',
        { ...at, body: JSON.stringify(valid()), contentType: 'text/plain' },
      ],
      [endpoint, 415, 'no content type', { ...at, body: JSON.stringify(valid()), contentType: '' }],
      [endpoint, 413, 'a body over 100 KB', { ...at, body: over100Kb(valid()) }],
      [endpoint, 400, 'numbers where strings belong', { ...at, body: allNumbers(valid()) }],
    ];
  };
  const registerCase = (overrides: Record<string, unknown>): Spec => ({
    method: 'POST',
    path: '/customers/register',
    body: registerBody(overrides),
    auth: 'none',
  });
  const register = (what: string, overrides: Record<string, unknown>): Case => [
    'POST /customers/register',
    400,
    what,
    registerCase(overrides),
  ];
  const get = (path: string, status: number, what: string, auth: Spec['auth'] = 'admin'): Case => [
    `GET ${path.split('?')[0]}`,
    status,
    what,
    { method: 'GET', path, auth },
  ];
  const cursor = (text: string) => Buffer.from(text).toString('base64url');
  const anId = '00000000-0000-4000-8000-000000000000';

  const cases: Case[] = [
    ...bodyCases('POST', '/customers/register', () => JSON.parse(registerBody())),
    register('an unknown idType', { idType: 'LICENCE' }),
    register('an unknown gender', { gender: 'OTHER' }),
    register('an idType code out of range', { idType: 2 }),
    register('a negative gender code', { gender: -1 }),
    register('a fractional gender code', { gender: 0.5 }),
    register('a 200-character first name', { firstName: 'A'.repeat(200) }),
    register('a password of 1 000 characters', { password: 'p'.repeat(1000) }),
    ...bodyCases('POST', '/customers/login', () => ({
      email: 'aline@example.rw',
      password: 'umugati-mwiza-42',
    })),
    [
      'POST /customers/login',
      400,
      'an array for the password',
      { method: 'POST', path: '/customers/login', body: '{"email":"a@b.rw","password":["x"]}', auth: 'none' },
    ],
    ...bodyCases('PUT', '/customers/validateOtp', () => ({ phoneNumber: '+250788123456', otp: '123456' })),
    [
      'PUT /customers/validateOtp',
      400,
      'a 5-digit OTP',
      {
        method: 'PUT',
        path: '/customers/validateOtp',
        body: '{"phoneNumber":"+250788123456","otp":"12345"}',
        auth: 'none',
      },
    ],
    [
      'PUT /customers/validateOtp',
      400,
      'a numeric OTP',
      {
        method: 'PUT',
        path: '/customers/validateOtp',
        body: '{"phoneNumber":"+250788123456","otp":123456}',
        auth: 'none',
      },
    ],
    get('/customers?limit=ten', 400, 'a limit that is not a number'),
    get('/customers?limit=0', 400, 'a limit of 0'),
    get('/customers?limit=101', 400, 'a limit over 100'),
    get('/customers?page=0', 400, 'a page of 0'),
    get('/customers?id_type=LICENCE', 400, 'an unknown idType'),
    get('/customers?idType=2', 400, 'an idType code out of range'),
    get('/customers?gender=-1', 400, 'a negative gender code'),
    get('/customers?id=not-a-uuid', 400, 'a bad uuid'),
    get('/customers?limit=1&limit=2', 400, 'the limit given twice'),
    get(`/customers?first_name=${'A'.repeat(5000)}`, 400, 'a 5 000-character first name'),
    get('/customers?cursor=%25%25%25', 400, 'a cursor that is not base64'),
    // Refused by Node's HTTP parser (over its 16 KB of request line and headers), before express.
    get(`/customers?first_name=${'A'.repeat(20_000)}`, 431, 'a URL over 16 KB'),
    get(`/customers?cursor=${cursor(`yesterday|${anId}`)}`, 400, 'a cursor with a bad date'),
    get('/customers/find', 400, 'no key'),
    get('/customers/find?id=123', 400, 'a bad uuid'),
    get('/customers/find?email=aline', 400, 'an email that is not one'),
    get('/customers/me', 401, 'no token', 'none'),
    get('/customers/me', 401, 'a forged token', 'forged'),
    ['POST /customers/logout', 401, 'no token', { method: 'POST', path: '/customers/logout', auth: 'none' }],
    [
      'POST /customers/logout',
      401,
      'a forged token',
      { method: 'POST', path: '/customers/logout', auth: 'forged' },
    ],
    [
      'POST /transactions/{id}/reverse',
      400,
      'an empty POST to a bad uuid',
      { method: 'POST', path: '/transactions/not-a-uuid/reverse', auth: 'admin' },
    ],
    [
      'POST /transactions/{id}/reverse',
      404,
      'an empty POST to an unknown id',
      { method: 'POST', path: `/transactions/${anId}/reverse`, auth: 'admin' },
    ],
    [
      'POST /transactions/{id}/reverse',
      400,
      'a number for the statusMessage',
      { method: 'POST', path: `/transactions/${anId}/reverse`, body: '{"statusMessage":42}', auth: 'admin' },
    ],
    [
      'POST /transactions/{id}/reverse',
      400,
      'malformed JSON',
      { method: 'POST', path: `/transactions/${anId}/reverse`, body: '{"statusMessage":', auth: 'admin' },
    ],
  ];

  async function expectRefused(status: number, spec: Spec, expect: ExpectStatic) {
    const headers: Record<string, string> = {};
    const contentType = spec.contentType ?? 'application/json';
    if (spec.body !== undefined && contentType) headers['content-type'] = contentType;
    if (spec.auth === 'admin') headers.authorization = `Bearer ${admin.token}`;
    if (spec.auth === 'forged') headers.authorization = `Bearer ${admin.token.slice(0, -2)}xx`;
    const answer = await send(spec.method, `/api/v1${spec.path}`, { body: spec.body, headers });
    expect(answer.status, answer.text).toBe(status);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.json()).toMatchObject({
      status,
      message: expect.any(String),
      data: { code: expect.any(String) },
    });
  }

  it.for(cases)(
    '%s answers %s to %s, in the envelope with data.code',
    async ([, status, , spec], { expect }) => {
      await expectRefused(status, spec, expect);
    },
  );

  it('answers a request Node cannot parse with 400 in the envelope', async () => {
    const url = new URL(server.url);
    const socket = connect(Number(url.port), url.hostname);
    await once(socket, 'connect');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.end('GET /api/v1/customers/me HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    await once(socket, 'close');
    const [head = '', body = ''] = Buffer.concat(chunks).toString().split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(head).toMatch(/^content-type: application\/json/im);
    expect(JSON.parse(body)).toEqual({
      status: 400,
      message: expect.any(String),
      data: { code: 'BAD_REQUEST' },
    });
  });

  describe('values only Postgres refuses still get a 400', () => {
    it('POST /customers/register answers 400 to a NUL character in a name', async ({ expect }) => {
      await expectRefused(400, { ...registerCase({ lastName: 'Uwa\u0000se' }) }, expect);
    });
    it('GET /customers answers 400 to a NUL character in a filter', async ({ expect }) => {
      await expectRefused(400, { method: 'GET', path: '/customers?first_name=A%00B', auth: 'admin' }, expect);
    });
    it('GET /customers answers 400 to a cursor whose id is 36 dashes', async ({ expect }) => {
      const path = `/customers?cursor=${cursor(`2026-01-01T00:00:00.000Z|${'-'.repeat(36)}`)}`;
      await expectRefused(400, { method: 'GET', path, auth: 'admin' }, expect);
    });
  });

  it('creates no customer from any of the refused registrations', async () => {
    expect(attempted.length).toBeGreaterThan(10);
    for (const input of attempted) {
      const byEmail = await server.rest(
        'GET',
        `/customers/find?email=${encodeURIComponent(input.email)}`,
        undefined,
        admin.token,
      );
      expect(byEmail.status, input.email).toBe(404);
      const byId = await server.rest<Page<Customer>>(
        'GET',
        `/customers?id_number=${input.idNumber}`,
        undefined,
        admin.token,
      );
      expect(byId.status).toBe(200);
      expect(byId.body.data.items).toEqual([]);
    }
  });
});
