import { createBullmqSmsQueue, createNoticeRelay } from '@tekana/api';
import { ConfigError } from '@tekana/contracts';
import { createDatabase } from '@tekana/db';
import { databaseSettings, loadConfig } from '../config';
import { createLogger } from '../logger';
import { connectRedis } from '../runtime';
import { runCommand } from './run-command';

/**
 * `pnpm relay`: the SMS outbox relay as a process of its own (production), beside the relays that run
 * inside every server. Each claims its own rows, so any number may run; it stops on SIGTERM or SIGINT
 * after relaying what is pending.
 */
runCommand(async () => {
  const config = loadConfig();
  if (!config.DATABASE_URL || !config.REDIS_URL) {
    throw new ConfigError(
      'pnpm relay needs DATABASE_URL and REDIS_URL: it moves notices from PostgreSQL to the Redis queue',
    );
  }
  const log = createLogger(config.LOG_LEVEL);
  const database = createDatabase({ ...databaseSettings(config), maxConnections: 2 });
  await database.migrate();
  const redis = connectRedis(config.REDIS_URL, log);
  const smsQueue = createBullmqSmsQueue(redis, config.SMS_QUEUE_NAME, config.REDIS_PREFIX);
  const relay = createNoticeRelay({ database, smsQueue, log });
  relay.start();
  log.info({ queue: config.SMS_QUEUE_NAME }, 'relaying SMS notices from the outbox');
  await new Promise((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await relay.stop();
  await smsQueue.close();
  await redis.quit();
  await database.close();
  log.info('relay stopped');
  return 0;
});
