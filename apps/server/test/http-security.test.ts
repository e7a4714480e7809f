import { describe, expect, it } from 'vitest';
import { type TestServer, useTestServer } from './harness';

/**
 * Security headers on every answer (helmet), Swagger UI still working under its Content-Security-Policy,
 * and CORS only for the origins CORS_ORIGINS lists.
 */
const frontend = 'https://app.tekana.rw';
const plain = useTestServer({}, { worker: false });
const withCors = useTestServer({ CORS_ORIGINS: `${frontend},http://localhost:5173` }, { worker: false });

/** A browser's preflight before a POST with a JSON body and a bearer token. */
function preflight(server: TestServer, origin: string, path = '/api/v1/transactions') {
  return fetch(`${server.url}${path}`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });
}

/** The Content-Security-Policy as directive → sources. */
function policyOf(response: Response): Map<string, string[]> {
  const header = response.headers.get('content-security-policy') ?? '';
  return new Map(
    header
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...sources]) => [name as string, sources]),
  );
}

describe('security headers', () => {
  it('come with every answer: API, errors, health and docs', async () => {
    for (const path of ['/api/v1/customers/me', '/api/v1/nowhere', '/health', '/docs/', '/openapi.json']) {
      const answer = await fetch(`${plain.url}${path}`);
      expect(answer.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(answer.headers.get('x-frame-options'), path).toBe('SAMEORIGIN');
      expect(answer.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(answer.headers.get('strict-transport-security'), path).toMatch(/max-age=\d+/);
      expect(policyOf(answer).get('default-src'), path).toEqual(["'self'"]);
      expect(answer.headers.get('x-powered-by'), path).toBeNull();
    }
  });

  it('let Swagger UI at /docs load everything it needs from this server and nothing from elsewhere', async () => {
    const page = await fetch(`${plain.url}/docs/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const policy = policyOf(page);
    // Its scripts are files of this server (script-src 'self'), never inline code.
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    for (const [, src] of html.matchAll(/<script\b[^>]*\bsrc="([^"]+)"/g)) {
      const url = new URL(src as string, `${plain.url}/docs/`);
      expect(url.origin).toBe(plain.url);
      const script = await fetch(url);
      expect(script.status, src).toBe(200);
      expect(policyOf(script).get('script-src'), src).toEqual(["'self'"]);
    }
    // React sets inline styles, its icons are data: images, and it fetches /openapi.json from 'self'.
    expect(policy.get('style-src')).toContain("'unsafe-inline'");
    expect(policy.get('img-src')).toEqual(expect.arrayContaining(["'self'", 'data:']));
    expect(policy.has('connect-src')).toBe(false);
    // Served over plain HTTP too (embedded mode): its own files must not be sent to https://.
    expect(policy.has('upgrade-insecure-requests')).toBe(false);
    const initializer = await (await fetch(`${plain.url}/docs/swagger-initializer.js`)).text();
    expect(initializer).toContain('validatorUrl: null');
  });
});

describe('CORS, off by default', () => {
  it('sends no Access-Control-Allow-Origin at all, on answers or preflights', async () => {
    const answer = await fetch(`${plain.url}/api/v1/customers/me`, { headers: { origin: frontend } });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    const asked = await preflight(plain, frontend);
    expect(asked.headers.get('access-control-allow-origin')).toBeNull();
    expect(asked.headers.get('access-control-allow-methods')).toBeNull();
    expect(asked.status).not.toBe(204);
  });
});

describe('CORS with CORS_ORIGINS', () => {
  it('lets a listed origin read answers, errors included, and the request id', async () => {
    const answer = await fetch(`${withCors.url}/api/v1/customers/me`, { headers: { origin: frontend } });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('access-control-allow-origin')).toBe(frontend);
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
    expect(answer.headers.get('access-control-expose-headers')).toBe('x-request-id');
    expect(answer.headers.get('vary')).toMatch(/\bOrigin\b/);
    const local = await fetch(`${withCors.url}/health`, { headers: { origin: 'http://localhost:5173' } });
    expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
  });

  it("answers a listed origin's preflight with the methods and the headers it asked for", async () => {
    const asked = await preflight(withCors, frontend);
    expect(asked.status).toBe(204);
    expect(asked.headers.get('access-control-allow-origin')).toBe(frontend);
    expect(asked.headers.get('access-control-allow-methods')).toMatch(/\bPOST\b/);
    expect(asked.headers.get('access-control-allow-methods')).toMatch(/\bPUT\b/);
    expect(asked.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    expect(asked.headers.get('access-control-max-age')).toBe('600');
    const trpc = await preflight(withCors, frontend, '/trpc/customer.me');
    expect(trpc.status).toBe(204);
  });

  it('gives any other origin no CORS header and no preflight answer', async () => {
    for (const origin of ['https://evil.example', 'https://app.tekana.rw.evil.example', 'null']) {
      const answer = await fetch(`${withCors.url}/api/v1/customers/me`, { headers: { origin } });
      expect(answer.status, origin).toBe(401);
      expect(answer.headers.get('access-control-allow-origin'), origin).toBeNull();
      expect(answer.headers.get('vary'), origin).toMatch(/\bOrigin\b/);
      const asked = await preflight(withCors, origin);
      expect(asked.headers.get('access-control-allow-origin'), origin).toBeNull();
      expect(asked.headers.get('access-control-allow-methods'), origin).toBeNull();
      expect(asked.status, origin).toBeGreaterThanOrEqual(400);
    }
  });

  it('serves a request with no Origin (curl, another server) as before', async () => {
    const answer = await fetch(`${withCors.url}/health`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });
});
