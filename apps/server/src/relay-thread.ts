import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from './logger';
import { createOwnRelay, type RelayConfig, type RelayThreadMessage } from './own-relay';

/** The server's relay thread (see `startRelayThread`): relays when woken and every second, until told to stop. */
const { config } = workerData as { config: RelayConfig };
const log = createLogger(config.LOG_LEVEL).child({ thread: 'notice-relay' });
const { relay, close } = await createOwnRelay(config, log);
relay.start();
parentPort?.on('message', (message: RelayThreadMessage) => {
  if (message === 'wake') relay.wake();
  if (message === 'stop') {
    void relay
      .stop()
      .then(close)
      .finally(() => parentPort?.close());
  }
});
