export { toTRPCError, isUnavailable } from './errors';
export * from './ports/clock';
export * from './ports/logger';
export * from './ports/otp-store';
export * from './ports/rate-limiter';
export * from './ports/sms-queue';
export { type AppRouter, appRouter } from './root';
export { createServices, type ServiceDeps, type Services } from './services';
export { type Actor, type Context, createCallerFactory, type Meta } from './trpc';
