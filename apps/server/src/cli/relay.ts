import { ConfigError } from '@tekana/contracts';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { createOwnRelay } from '../own-relay';
import { runCommand, withDatabase } from './run-command';

/**
 * `pnpm relay`: the SMS outbox relay as a process of its own (production), beside the relays that run
 * inside every server. Each claims its own rows, so any number may run; it stops on SIGTERM or SIGINT
 * after relaying what is pending.
 */
runCommand(async () => {
  const config = loadConfig();
  const { DATABASE_URL, REDIS_URL } = config;
  if (!DATABASE_URL || !REDIS_URL) {
    throw new ConfigError(
      'pnpm relay needs DATABASE_URL and REDIS_URL: it moves notices from PostgreSQL to the Redis queue',
    );
  }
  const log = createLogger(config.LOG_LEVEL);
  // Migrated first: a relay started before any server finds its outbox table.
  await withDatabase(async () => {});
  const { relay, close } = await createOwnRelay({ ...config, DATABASE_URL, REDIS_URL }, log);
  relay.start();
  log.info({ queue: config.SMS_QUEUE_NAME }, 'relaying SMS notices from the outbox');
  await new Promise((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await relay.stop();
  await close();
  log.info('relay stopped');
  return 0;
});
