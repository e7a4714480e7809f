import { createBullmqSmsQueue, createNoticeRelay, silentLogger } from '@tekana/api';
import { createDatabase } from '@tekana/db';
import { Redis } from 'ioredis';
import postgres from 'postgres';

/** Notices still waiting in the outbox: once the servers have stopped, each should have been relayed. */
export async function pendingNotices(databaseUrl: string): Promise<number> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ n: string }[]>`select count(*) as n from sms_outbox`;
    return Number(row?.n ?? 0);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Relays what the in-process engine case left in the outbox into the bench's SMS queue, as a server's
 * relay would have: the case measures the engine, not the relay.
 */
export async function relayOutbox(
  databaseUrl: string,
  redis: { url: string; prefix: string; queueName: string },
): Promise<void> {
  const database = createDatabase({ databaseUrl, dataDir: '', maxConnections: 2 });
  const connection = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  const smsQueue = createBullmqSmsQueue(connection, redis.queueName, redis.prefix);
  try {
    const relay = createNoticeRelay({ database, smsQueue, log: silentLogger });
    relay.start();
    await relay.stop();
  } finally {
    await smsQueue.close();
    connection.disconnect();
    await database.close();
  }
}
