import { createSmsProvider } from '@tekana/sms';
import { pino } from 'pino';
import { type Config, ConfigError, loadConfig } from './config';
import { stopOnSignal } from './shutdown';
import { createSmsWorker } from './worker';

/** `pnpm worker`: the SMS worker of the production mode, deployed and scaled on its own (README, "Production"). */
const config = loadConfigOrExit();
const logger = pino({ name: 'sms-worker', level: config.LOG_LEVEL });
const provider = createSmsProvider(config);
const worker = createSmsWorker({
  redisUrl: config.REDIS_URL,
  redisPrefix: config.REDIS_PREFIX,
  queueName: config.SMS_QUEUE_NAME,
  provider,
  concurrency: config.SMS_CONCURRENCY,
  ratePerSecond: config.SMS_RATE_PER_SECOND,
  logger,
});

let connected = false;
// Until Redis answers, the worker retries and logs each failure; "started" means it is taking jobs.
worker.once('ready', () => {
  connected = true;
  logger.info(
    {
      queue: config.SMS_QUEUE_NAME,
      provider: provider.name,
      concurrency: config.SMS_CONCURRENCY,
      ratePerSecond: config.SMS_RATE_PER_SECOND,
    },
    'SMS worker started',
  );
});
stopOnSignal(worker, logger, () => connected);

/** A bad setting is the operator's to fix: one clear message, no stack trace. */
function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
