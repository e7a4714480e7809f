import type { Customer, Page } from '@tekana/contracts';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createAdminAndSignIn,
  newCustomerInput,
  registerAndSignIn,
  type SignedIn,
  startTestServer,
  useTestServer,
} from './harness';

const server = useTestServer();
let admin: SignedIn;
beforeAll(async () => {
  admin = await createAdminAndSignIn(server);
});

async function register(overrides = {}) {
  const input = newCustomerInput(overrides);
  const response = await server.rest<Customer>('POST', '/customers/register', input);
  return { input, response };
}

async function otpFor(email: string, phoneNumber: string, password: string) {
  const since = server.gateway.posts.length;
  const login = await server.rest('POST', '/customers/login', { email, password });
  expect(login.status).toBe(200);
  const sms = await server.gateway.waitFor(phoneNumber, since);
  return /\b(\d{6})\b/.exec(sms.message)?.[1] as string;
}

describe('registration', () => {
  it('registers a customer with 201 in the old envelope, never returning the password or its hash', async () => {
    const { input, response } = await register();
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ status: 201, message: expect.any(String) });
    expect(response.body.data).toMatchObject({
      firstName: input.firstName,
      email: input.email,
      phoneNumber: input.phoneNumber,
      idType: 'NID',
      gender: 'FEMALE',
      role: 'CUSTOMER',
    });
    expect(Object.keys(response.body.data).sort()).toEqual(
      [
        'createdAt',
        'email',
        'firstName',
        'gender',
        'id',
        'idNumber',
        'idType',
        'lastName',
        'phoneNumber',
        'role',
      ].sort(),
    );
    expect(JSON.stringify(response.body)).not.toContain(input.password);
  });

  it('accepts the old numeric enum codes on input', async () => {
    const { response } = await register({ idType: 1 as never, gender: 1 as never });
    expect(response.status).toBe(201);
    expect(response.body.data).toMatchObject({ idType: 'PASSPORT', gender: 'MALE' });
  });

  it('refuses a second account with the same email in another case, phone number or ID number (409)', async () => {
    const { input } = await register();
    const sameEmail = await register({ email: input.email.toUpperCase() });
    const samePhone = await register({ phoneNumber: input.phoneNumber });
    const sameId = await register({ idNumber: input.idNumber });
    for (const [conflict, field] of [
      [sameEmail, 'email'],
      [samePhone, 'phoneNumber'],
      [sameId, 'idNumber'],
    ] as const) {
      expect(conflict.response.status).toBe(409);
      expect(conflict.response.body).toMatchObject({ status: 409, data: { code: 'CONFLICT' } });
      expect(conflict.response.body.message).toContain(field);
    }
  });

  it('refuses bad input with 400 naming each field, and creates nothing', async () => {
    const input = newCustomerInput({ phoneNumber: '0788123456', email: 'not-an-email', password: 'short' });
    const response = await server.rest<{ code: string; issues: { path: string }[] }>(
      'POST',
      '/customers/register',
      input,
    );
    expect(response.status).toBe(400);
    expect(response.body.data.code).toBe('BAD_REQUEST');
    expect(response.body.data.issues.map((i) => i.path).sort()).toEqual(['email', 'password', 'phoneNumber']);
    const found = await server.rest(
      'GET',
      `/customers/find?id_number=${input.idNumber}`,
      undefined,
      admin.token,
    );
    expect(found.status).toBe(404);
  });
});

describe('login with a password and an SMS one-time code', () => {
  it('answers a wrong password exactly as an unknown email (401, same message)', async () => {
    const { input } = await register();
    const wrongPassword = await server.rest('POST', '/customers/login', {
      email: input.email,
      password: 'not-my-password',
    });
    const unknownEmail = await server.rest('POST', '/customers/login', {
      email: `nobody.${input.email}`,
      password: input.password,
    });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(wrongPassword.body.message).toBe(unknownEmail.body.message);
    expect(wrongPassword.body.data).toEqual(unknownEmail.body.data);
  });

  it('sends a 6-digit code only to the customer phone and keeps only its hash in Redis', async () => {
    const { input, response } = await register();
    const otp = await otpFor(input.email, input.phoneNumber, input.password);
    expect(otp).toMatch(/^\d{6}$/);
    // The gateway accepted it: the old form (recipients, message, sender) with the configured basic auth.
    const sms = server.gateway.posts.filter((p) => p.recipients === input.phoneNumber);
    expect(sms.map((p) => [p.sender, p.username, p.status])).toEqual([['Tekana', 'tekana', 200]]);
    const redis = new Redis(server.env.REDIS_URL as string);
    try {
      const stored = await redis.hgetall(`${server.env.REDIS_PREFIX}otp:${response.body.data.id}`);
      expect(stored.hash).toBeDefined();
      expect(JSON.stringify(stored)).not.toContain(otp);
      expect(await redis.ttl(`${server.env.REDIS_PREFIX}otp:${response.body.data.id}`)).toBeGreaterThan(250);
    } finally {
      redis.disconnect();
    }
  });

  it('exchanges the code for a token and the customer, with the token beside data in the envelope', async () => {
    const { input } = await register();
    const otp = await otpFor(input.email, input.phoneNumber, input.password);
    const validated = await server.rest<Customer>('PUT', '/customers/validateOtp', {
      phoneNumber: input.phoneNumber,
      otp,
    });
    expect(validated.status).toBe(200);
    expect(validated.body.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(validated.body.data.email).toBe(input.email);
  });

  it('accepts a code once only', async () => {
    const { input } = await register();
    const otp = await otpFor(input.email, input.phoneNumber, input.password);
    const first = await server.rest('PUT', '/customers/validateOtp', { phoneNumber: input.phoneNumber, otp });
    const again = await server.rest('PUT', '/customers/validateOtp', { phoneNumber: input.phoneNumber, otp });
    expect(first.status).toBe(200);
    expect(again.status).toBe(401);
  });

  it('burns the code after 5 wrong tries, so even the right code then fails', async () => {
    const { input } = await register();
    const otp = await otpFor(input.email, input.phoneNumber, input.password);
    const wrong = otp === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      const attempt = await server.rest('PUT', '/customers/validateOtp', {
        phoneNumber: input.phoneNumber,
        otp: wrong,
      });
      expect(attempt.status).toBe(401);
    }
    const right = await server.rest('PUT', '/customers/validateOtp', { phoneNumber: input.phoneNumber, otp });
    expect(right.status).toBe(401);
    // A new login issues a new code that works.
    const fresh = await otpFor(input.email, input.phoneNumber, input.password);
    expect(
      (await server.rest('PUT', '/customers/validateOtp', { phoneNumber: input.phoneNumber, otp: fresh }))
        .status,
    ).toBe(200);
  });

  it('refuses a code for an unknown phone number with the same 401', async () => {
    const response = await server.rest('PUT', '/customers/validateOtp', {
      phoneNumber: '+250799999999',
      otp: '123456',
    });
    expect(response.status).toBe(401);
    expect(response.body.data).toEqual({ code: 'INVALID_OTP' });
  });

  it('refuses a forged, tampered or missing token with 401', async () => {
    const { token } = await registerAndSignIn(server);
    // One character of the signature changed where all six of its bits count: the last character of an
    // HS256 signature carries only four, so rewriting the tail could leave the same signature.
    const cut = token.lastIndexOf('.') + 1;
    const tampered = `${token.slice(0, cut)}${token[cut] === 'A' ? 'B' : 'A'}${token.slice(cut + 1)}`;
    for (const bad of [undefined, tampered, 'not.a.token']) {
      const response = await server.rest('GET', '/customers/me', undefined, bad);
      expect(response.status).toBe(401);
      expect(response.body.data).toEqual({ code: 'UNAUTHORIZED' });
    }
  });
});

describe('an expiring code', () => {
  it('refuses a code after OTP_TTL_SECONDS', async () => {
    const shortLived = await startTestServer({ OTP_TTL_SECONDS: '1' });
    try {
      const input = newCustomerInput();
      await shortLived.rest('POST', '/customers/register', input);
      const since = shortLived.gateway.posts.length;
      await shortLived.rest('POST', '/customers/login', { email: input.email, password: input.password });
      const sms = await shortLived.gateway.waitFor(input.phoneNumber, since);
      const otp = /\b(\d{6})\b/.exec(sms.message)?.[1];
      await new Promise((r) => setTimeout(r, 2_100));
      const late = await shortLived.rest('PUT', '/customers/validateOtp', {
        phoneNumber: input.phoneNumber,
        otp,
      });
      expect(late.status).toBe(401);
    } finally {
      await shortLived.stop();
    }
  });
});

describe('rate limits on login and validateOtp', () => {
  it('lets a person retry a typo a few times, then answers 429 per account', async () => {
    const limited = await startTestServer(
      { RATE_LIMIT_LOGIN_PER_ACCOUNT: '3', RATE_LIMIT_OTP_PER_ACCOUNT: '3' },
      { worker: false },
    );
    try {
      const input = newCustomerInput();
      await limited.rest('POST', '/customers/register', input);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push(
          (await limited.rest('POST', '/customers/login', { email: input.email, password: 'typo-typo' }))
            .status,
        );
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
      const otpStatuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        otpStatuses.push(
          (
            await limited.rest('PUT', '/customers/validateOtp', {
              phoneNumber: input.phoneNumber,
              otp: '000000',
            })
          ).status,
        );
      }
      expect(otpStatuses.at(-1)).toBe(429);
      // Another account from the same address is not affected by this account's limit.
      const other = newCustomerInput();
      await limited.rest('POST', '/customers/register', other);
      expect(
        (await limited.rest('POST', '/customers/login', { email: other.email, password: other.password }))
          .status,
      ).toBe(200);
    } finally {
      await limited.stop();
    }
  });

  it('answers 429 per client IP across accounts', async () => {
    const limited = await startTestServer({ RATE_LIMIT_LOGIN_PER_IP: '2' }, { worker: false });
    try {
      const attempts = [];
      for (let i = 0; i < 3; i++) {
        attempts.push(
          (
            await limited.rest('POST', '/customers/login', {
              email: `someone${i}@example.rw`,
              password: 'guess-guess',
            })
          ).status,
        );
      }
      expect(attempts).toEqual([401, 401, 429]);
    } finally {
      await limited.stop();
    }
  });
});

describe('listing and finding customers', () => {
  it('shows a customer only their own record in the list', async () => {
    const me = await registerAndSignIn(server);
    await registerAndSignIn(server);
    const list = await server.rest<Page<Customer>>('GET', '/customers', undefined, me.token);
    expect(list.status).toBe(200);
    expect(list.body.data.items.map((c) => c.id)).toEqual([me.customer.id]);
  });

  it('lets an admin filter by the old snake_case or camelCase names', async () => {
    const { input, response } = await register({ firstName: 'Filterable' });
    for (const query of [
      `phone_number=${encodeURIComponent(input.phoneNumber)}`,
      `idNumber=${input.idNumber}`,
      `email=${input.email}`,
    ]) {
      const list = await server.rest<Page<Customer>>('GET', `/customers?${query}`, undefined, admin.token);
      expect(list.status).toBe(200);
      expect(list.body.data.items.map((c) => c.id)).toEqual([response.body.data.id]);
    }
  });

  it('pages through every customer with keyset cursors, newest first, without repeats', async () => {
    const lastName = `Paged${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await register({ lastName })).response.body.data.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/customers?last_name=${lastName}&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await server.rest<Page<Customer>>('GET', query, undefined, admin.token);
      expect(page.status).toBe(200);
      expect(page.body.data.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.data.items.map((c) => c.id));
      cursor = page.body.data.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const oldStyle = await server.rest<Page<Customer>>(
      'GET',
      `/customers?last_name=${lastName}&page=2&pageSize=3`,
      undefined,
      admin.token,
    );
    expect(oldStyle.body.data.items.map((c) => c.id)).toEqual(seen.slice(3, 6));
  });

  it('caps a page at 100 and refuses a bigger limit with 400', async () => {
    const response = await server.rest('GET', '/customers?limit=101', undefined, admin.token);
    expect(response.status).toBe(400);
  });

  it('finds a customer by id, email, phone_number or id_number for an admin', async () => {
    const { input, response } = await register();
    const id = response.body.data.id;
    for (const query of [
      `id=${id}`,
      `email=${input.email}`,
      `phone_number=${encodeURIComponent(input.phoneNumber)}`,
      `id_number=${input.idNumber}`,
    ]) {
      const found = await server.rest<Customer>('GET', `/customers/find?${query}`, undefined, admin.token);
      expect(found.status).toBe(200);
      expect(found.body.data.id).toBe(id);
    }
  });

  it('lets a customer find only themselves', async () => {
    const me = await registerAndSignIn(server);
    const other = await register();
    const self = await server.rest<Customer>(
      'GET',
      `/customers/find?id=${me.customer.id}`,
      undefined,
      me.token,
    );
    expect(self.status).toBe(200);
    const someoneElse = await server.rest(
      'GET',
      `/customers/find?email=${other.input.email}`,
      undefined,
      me.token,
    );
    expect(someoneElse.status).toBe(404);
  });

  it('requires a token to list, find or read me (401)', async () => {
    for (const path of [
      '/customers',
      '/customers/find?id=00000000-0000-4000-8000-000000000000',
      '/customers/me',
    ]) {
      expect((await server.rest('GET', path)).status).toBe(401);
    }
  });
});

describe('the typed tRPC client', () => {
  it('registers, logs in, validates the code and reads me with createTRPCClient<AppRouter>', async () => {
    const input = newCustomerInput();
    const client = server.trpc();
    const registered = await client.customer.register.mutate(input);
    expect(registered.email).toBe(input.email);
    const since = server.gateway.posts.length;
    const login = await client.customer.login.mutate({ email: input.email, password: input.password });
    expect(login.otpSent).toBe(true);
    const sms = await server.gateway.waitFor(input.phoneNumber, since);
    const otp = /\b(\d{6})\b/.exec(sms.message)?.[1] as string;
    const { token, customer } = await client.customer.validateOtp.mutate({
      phoneNumber: input.phoneNumber,
      otp,
    });
    expect(customer.id).toBe(registered.id);
    const me = await server.trpc(token).customer.me.query();
    expect(me).toEqual(registered);
  });

  it('gives tRPC clients the domain code on a refusal', async () => {
    const { input } = await register();
    await expect(server.trpc().customer.register.mutate(input)).rejects.toMatchObject({
      data: { httpStatus: 409, domainCode: 'CONFLICT' },
    });
  });
});
