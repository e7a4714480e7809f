import { createHttpSmsProvider } from '@tekana/sms';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type FakeSmsGatewayOptions, startFakeSmsGateway } from '../../../test/fake-sms-gateway';
import { createSmsProducer, FAST_BACKOFF } from '../test/sms-producer';
import { createSmsWorker } from './worker';

const redisUrl = inject('redisUrl');
const redisPrefix = `tekana:test:${inject('runId')}:`;
const credentials = { username: 'tekana', password: 's3cret' };
const otp = { to: '+250788123456', text: 'Your Tekana code is 482913', kind: 'OTP' } as const;

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A gateway, a worker sending to it and the server's producer, on a queue of this test's own. */
async function startSmsLane(
  name: string,
  { answer, ratePerSecond = 20 }: Pick<FakeSmsGatewayOptions, 'answer'> & { ratePerSecond?: number } = {},
) {
  const gateway = await startFakeSmsGateway({ ...credentials, answer });
  const logLines: string[] = [];
  const worker = createSmsWorker({
    redisUrl,
    redisPrefix,
    queueName: `sms-${name}`,
    provider: createHttpSmsProvider({ url: gateway.url, ...credentials, sender: 'Tekana' }),
    concurrency: 5,
    ratePerSecond,
    logger: pino({ level: 'info' }, { write: (line: string) => logLines.push(line) }),
  });
  const producer = createSmsProducer(redisUrl, redisPrefix, `sms-${name}`);
  // Run in reverse: the worker stops before its queue is removed and its gateway goes away.
  cleanups.push(gateway.close, producer.close, () => worker.close());
  await worker.waitUntilReady();
  return { gateway, worker, producer, logLines };
}

describe('SMS worker', () => {
  it('delivers a job queued by the server to the gateway as a form post of recipients, message, sender and the job id as reference, with basic auth', async () => {
    const { gateway, producer } = await startSmsLane('delivers');

    const jobId = await producer.enqueue(otp);

    const job = await producer.waitForState(jobId, 'completed');
    expect(job.attemptsMade).toBe(1);
    expect(gateway.posts).toEqual([
      expect.objectContaining({
        method: 'POST',
        recipients: '+250788123456',
        message: 'Your Tekana code is 482913',
        sender: 'Tekana',
        reference: jobId,
        contentType: 'application/x-www-form-urlencoded',
        username: 'tekana',
        password: 's3cret',
        status: 200,
      }),
    ]);
  });

  it('retries while the gateway fails, with backoff, and delivers once it recovers', async () => {
    const { gateway, producer } = await startSmsLane('retries', { answer: (n) => (n <= 2 ? 500 : 200) });

    const jobId = await producer.enqueue(otp, FAST_BACKOFF);

    const job = await producer.waitForState(jobId, 'completed');
    expect(job.attemptsMade).toBe(3);
    expect(gateway.posts.map((p) => p.status)).toEqual([500, 500, 200]);
    // Exponential: 50 ms before the second attempt, 100 ms before the third.
    const [firstWait = 0, secondWait = 0] = gateway.gaps();
    expect(firstWait).toBeGreaterThanOrEqual(50);
    expect(secondWait).toBeGreaterThanOrEqual(100);
  });

  it('keeps a job it could not deliver in 5 attempts in the failed set, for inspection', async () => {
    const { gateway, producer } = await startSmsLane('gives-up', { answer: () => 500 });

    const jobId = await producer.enqueue(otp, FAST_BACKOFF);

    const job = await producer.waitForState(jobId, 'failed');
    expect(job.attemptsMade).toBe(5);
    expect(job.failedReason).toBe('SMS gateway answered 500');
    expect(gateway.posts).toHaveLength(5);
    expect((await producer.queue.getFailed()).map((j) => j.id)).toEqual([jobId]);
  });

  it('fails an invalid job at once, without retries and without calling the gateway', async () => {
    const { gateway, producer } = await startSmsLane('invalid');

    const jobId = await producer.enqueue({
      to: '0788123456',
      text: 'Your Tekana code is 482913',
      kind: 'OTP',
    });

    const job = await producer.waitForState(jobId, 'failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toBe('Invalid SMS job: to');
    expect(gateway.posts).toHaveLength(0);
  });

  it('sends no more messages a second than the gateway allows', async () => {
    const { gateway, producer } = await startSmsLane('rate', { ratePerSecond: 2 });

    const jobIds = await Promise.all([1, 2, 3].map(() => producer.enqueue(otp)));

    for (const jobId of jobIds) await producer.waitForState(jobId, 'completed');
    // Two go out at once; the third waits for the next one-second window.
    const [firstGap = 0, secondGap = 0] = gateway.gaps();
    expect(firstGap + secondGap).toBeGreaterThanOrEqual(900);
  });

  it('never writes the message text or the full phone number to its logs, on success or failure', async () => {
    const { producer, logLines } = await startSmsLane('logs', { answer: (n) => (n === 1 ? 500 : 200) });

    const delivered = await producer.enqueue(otp, FAST_BACKOFF);
    const invalid = await producer.enqueue({ ...otp, kind: 'PROMOTION' });
    await producer.waitForState(delivered, 'completed');
    await producer.waitForState(invalid, 'failed');

    const logs = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logs.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        'SMS delivery failed; will retry',
        'SMS delivered',
        'SMS not delivered; job kept in the failed set',
      ]),
    );
    expect(logs).toContainEqual(
      expect.objectContaining({ jobId: delivered, kind: 'OTP', attempt: 2, to: '+250******456' }),
    );
    const everything = logLines.join('\n');
    expect(everything).not.toContain('482913');
    expect(everything).not.toContain('788123456');
  });
});
