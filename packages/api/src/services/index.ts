import type { Database } from '@tekana/db';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { OtpStore } from '../ports/otp-store';
import type { RateLimiter } from '../ports/rate-limiter';
import type { SmsQueue } from '../ports/sms-queue';
import { createAuthService } from './auth';
import { createCustomerService } from './customers';

/** Everything the services need, chosen once at start-up by the server. */
export type ServiceDeps = {
  database: Database;
  otpStore: OtpStore;
  smsQueue: SmsQueue;
  clock: Clock;
  log: Logger;
  limits: {
    loginPerIp: RateLimiter;
    loginPerAccount: RateLimiter;
    otpPerIp: RateLimiter;
    otpPerAccount: RateLimiter;
  };
  jwtSecret: string;
  jwtTtl: string;
  otpTtlSeconds: number;
};

export function createServices(deps: ServiceDeps) {
  return {
    auth: createAuthService(deps),
    customers: createCustomerService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
