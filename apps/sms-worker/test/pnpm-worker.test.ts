import { afterAll, describe, expect, inject, it } from 'vitest';
import { startFakeSmsGateway } from '../../../test/fake-sms-gateway';
import { createSmsProducer } from './sms-producer';
import { spawnSmsWorker } from './worker-process';

const redisUrl = inject('redisUrl');
const redisPrefix = `tekana:test:${inject('runId')}:`;
const credentials = { username: 'tekana', password: 's3cret' };

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A one-time event a test can wait for (Promise.withResolvers needs Node 22). */
function signal() {
  let fire = () => {};
  const fired = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { fired, fire };
}

describe('pnpm worker', () => {
  it('delivers queued SMS, and on SIGTERM finishes the one in flight before it exits 0', async () => {
    const secondArrived = signal();
    const releaseSecond = signal();
    const gateway = await startFakeSmsGateway({
      ...credentials,
      // The second SMS is held at the gateway, so it is in flight when the stop signal comes.
      answer: async (n) => {
        if (n === 2) {
          secondArrived.fire();
          await releaseSecond.fired;
        }
        return 200;
      },
    });
    const producer = createSmsProducer(redisUrl, redisPrefix, 'sms-process');
    const worker = spawnSmsWorker({
      REDIS_URL: redisUrl,
      REDIS_PREFIX: redisPrefix,
      SMS_QUEUE_NAME: 'sms-process',
      SMS_PROVIDER: 'http',
      SMS_GATEWAY_URL: gateway.url,
      SMS_USERNAME: credentials.username,
      SMS_PASSWORD: credentials.password,
      NODE_ENV: 'production',
    });
    cleanups.push(gateway.close, producer.close, () => worker.kill());

    await worker.waitForLog('SMS worker started');
    expect(worker.logs()).toContainEqual(
      expect.objectContaining({ queue: 'sms-process', provider: 'http', concurrency: 5 }),
    );
    const first = await producer.enqueue({
      to: '+250788123456',
      text: 'Your Tekana code is 482913',
      kind: 'OTP',
    });
    await producer.waitForState(first, 'completed');
    const second = await producer.enqueue({
      to: '+250788000111',
      text: 'Debit of 5000 RWF',
      kind: 'DEBIT_NOTICE',
    });
    await secondArrived.fired;

    worker.child.kill('SIGTERM');
    await worker.waitForLog('SMS worker stopping after the messages in flight');
    expect(worker.child.exitCode).toBeNull();
    releaseSecond.fire();

    expect(await worker.exited).toBe(0);
    expect(await producer.queue.getJobState(second)).toBe('completed');
    expect(gateway.delivered().map((p) => p.recipients)).toEqual(['+250788123456', '+250788000111']);
    expect(worker.output.stdout).not.toContain('482913');
  });

  it('stops at once on SIGTERM while Redis is unreachable, since nothing can be in flight', async () => {
    const worker = spawnSmsWorker({ REDIS_URL: 'redis://127.0.0.1:1', SMS_QUEUE_NAME: 'sms-unreachable' });
    cleanups.push(() => worker.kill());
    await worker.waitForLog('SMS worker error');

    worker.child.kill('SIGTERM');

    expect(await worker.exited).toBe(0);
    expect(worker.logs().map((l) => l.msg)).not.toContain('SMS worker started');
  });

  it('refuses to start with one clear message when SMS_PROVIDER=http has no SMS_GATEWAY_URL', async () => {
    const worker = spawnSmsWorker({ REDIS_URL: redisUrl, SMS_PROVIDER: 'http' });
    cleanups.push(() => worker.kill());

    expect(await worker.exited).toBe(1);
    expect(worker.output.stderr).toBe(
      'Invalid SMS worker configuration:\n  SMS_GATEWAY_URL: SMS_GATEWAY_URL is required when SMS_PROVIDER=http\n',
    );
    expect(worker.output.stdout).toBe('');
  });
});
