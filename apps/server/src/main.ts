import { ConfigError } from '@tekana/contracts';
import { DataDirLockedError } from '@tekana/db';
import { loadConfig } from './config';
import { createLogger } from './logger';
import { startServer } from './server';

async function main() {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  const server = await startServer(config, log);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing requests in flight');
    await server.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirLockedError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `Tekana Wallet failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
  }
  process.exit(1);
});
