import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

const redis = { REDIS_URL: 'redis://127.0.0.1:6379' };

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('the configuration was accepted');
}

describe('SMS worker configuration', () => {
  it('defaults to the queue the server fills: prefix tekana:, queue sms; 5 at a time, 20 a second', () => {
    expect(loadConfig(redis)).toMatchObject({
      REDIS_PREFIX: 'tekana:',
      SMS_QUEUE_NAME: 'sms',
      SMS_CONCURRENCY: 5,
      SMS_RATE_PER_SECOND: 20,
      SMS_PROVIDER: 'log',
      LOG_LEVEL: 'info',
    });
  });

  it('reads numbers from their text and treats empty variables as unset', () => {
    const config = loadConfig({
      ...redis,
      SMS_CONCURRENCY: '12',
      SMS_RATE_PER_SECOND: '',
      SMS_GATEWAY_URL: '',
    });
    expect(config).toMatchObject({ SMS_CONCURRENCY: 12, SMS_RATE_PER_SECOND: 20 });
    expect(config.SMS_GATEWAY_URL).toBeUndefined();
  });

  it('requires REDIS_URL, since the worker takes its jobs from Redis', () => {
    expect(refusal({})).toContain('REDIS_URL: REDIS_URL is required');
    expect(refusal({ REDIS_URL: 'http://127.0.0.1:6379' })).toContain(
      'REDIS_URL must be a redis:// or rediss:// URL',
    );
  });

  it('refuses SMS_PROVIDER=log in production, where it would print OTPs', () => {
    expect(refusal({ ...redis, NODE_ENV: 'production' })).toContain(
      'SMS_PROVIDER: SMS_PROVIDER=log would print OTPs',
    );
  });

  it('requires SMS_GATEWAY_URL when SMS_PROVIDER=http', () => {
    expect(refusal({ ...redis, SMS_PROVIDER: 'http' })).toContain(
      'SMS_GATEWAY_URL is required when SMS_PROVIDER=http',
    );
  });

  it('lists every bad key in one message, one a line', () => {
    expect(refusal({ SMS_PROVIDER: 'http', SMS_CONCURRENCY: '0' })).toBe(
      [
        'Invalid SMS worker configuration:',
        '  REDIS_URL: REDIS_URL is required: the SMS worker takes its jobs from Redis',
        '  SMS_CONCURRENCY: Too small: expected number to be >=1',
        '  SMS_GATEWAY_URL: SMS_GATEWAY_URL is required when SMS_PROVIDER=http',
      ].join('\n'),
    );
  });
});
