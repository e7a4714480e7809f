export { isUnavailable, toTRPCError } from './errors';
export * from './ports/clock';
export * from './ports/logger';
export * from './ports/otp-store';
export * from './ports/rate-limiter';
export * from './ports/recent-writes';
export * from './ports/sms-queue';
export * from './ports/token-revocations';
export { type AppRouter, appRouter } from './root';
export { createServices, type ServiceDeps, type Services } from './services';
export { createAdmin, signAccessToken } from './services/auth';
export { createLedgerService, type LedgerService } from './services/ledger';
export { createNoticeRelay, type NoticeRelay, type NoticeRelayControl } from './services/notice-relay';
export type { PostingBatchFigures } from './services/posting-engine';
export {
  ACCESS_ERRORS,
  type Access,
  type Actor,
  type Context,
  createCallerFactory,
  type Meta,
  signedIn,
  tooSlow,
} from './trpc';
export { withinMs } from './within-ms';
