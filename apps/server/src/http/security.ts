import cors from 'cors';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import vary from 'vary';

/**
 * helmet's headers on every answer. Its default Content-Security-Policy already lets Swagger UI at /docs
 * run from this server (scripts and styles from 'self', its inline styles, its data: images), except
 * `upgrade-insecure-requests`: on a server reached over plain HTTP (embedded mode on a LAN) it would send
 * the page's own scripts to an https:// that is not there.
 */
export function securityHeaders(): RequestHandler {
  return helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
}

/**
 * CORS for the legacy web frontend: none unless CORS_ORIGINS names origins. A listed origin gets its
 * Access-Control-Allow-Origin and its preflight answered; any other origin gets no CORS header, and its
 * preflight goes on to the routes, which do not answer OPTIONS.
 */
export function corsFor(origins: string[]): RequestHandler[] {
  if (origins.length === 0) return [];
  const allowed = new Set(origins);
  // The answer depends on Origin even when it carries no CORS header: caches must keep them apart.
  // `vary` as express's own `res.vary` does it: these run ahead of express too (app.ts).
  const varyOnOrigin: RequestHandler = (_req, res, next) => {
    vary(res, 'Origin');
    next();
  };
  return [
    varyOnOrigin,
    cors({
      origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
      // Bearer tokens travel in a header, never in cookies: no credentials mode.
      credentials: false,
      exposedHeaders: ['x-request-id'],
      maxAge: 600,
    }),
  ];
}
