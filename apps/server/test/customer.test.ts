import type { Customer } from '@tekana/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newCustomerInput, registerAndSignIn, signIn, startTestServer, type TestServer } from './harness';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('customer registration and two-factor login over REST', () => {
  it('registers, sends the OTP through the worker to the gateway, and signs in with it', async () => {
    const input = newCustomerInput();
    const registered = await server.rest<Customer>('POST', '/customers/register', input);
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ status: 201, data: { email: input.email, role: 'CUSTOMER' } });
    expect(JSON.stringify(registered.body)).not.toMatch(/password|argon2/i);

    const token = await signIn(server, input.email, input.phoneNumber, input.password);
    const sms = server.gateway.received.find((m) => m.recipients === input.phoneNumber);
    expect(sms?.sender).toBe('Tekana');
    expect(sms?.authorization).toBe(`Basic ${Buffer.from('tekana:gateway-secret').toString('base64')}`);

    const me = await server.rest<Customer>('GET', '/customers/me', undefined, token);
    expect(me.status).toBe(200);
    expect(me.body.data.id).toBe(registered.body.data.id);
  });
});
