import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Logger } from './logger';

/** What the revocation checks need of a verified bearer token. */
export type TokenClaims = {
  /** The token's `jti`. */
  tokenId: string;
  expiresAtMs: number;
};

/**
 * Bearer tokens refused before they expire, one token at a time (its owner signed out). `isRevoked` runs
 * on every authenticated request, posting included, so it answers from this process's memory, never with
 * a round trip.
 */
export interface TokenRevocations {
  isRevoked(claims: TokenClaims): boolean;
  /** Until the token would have expired anyway. */
  revokeToken(tokenId: string, expiresAtMs: number): Promise<void>;
  /** Loads the revocations already made and follows new ones; resolves once the first load is done or failed. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** One revocation, as published and as stored under its Redis key. */
type Revocation = { kind: 'token'; id: string; untilMs: number };

// Entries whose tokens have all expired are dropped this often; until then they only cost memory.
const SWEEP_EVERY_MS = 60_000;

/** The revocations this process knows of, each kept only while a token it refuses could still be shown. */
function createRevocationSet(now: () => number) {
  const tokens = new Map<string, number>();
  return {
    isRevoked({ tokenId }: TokenClaims): boolean {
      return tokens.has(tokenId);
    },
    add(revocation: Revocation) {
      if (revocation.untilMs <= now()) return;
      tokens.set(revocation.id, revocation.untilMs);
    },
    /** Drops the entries no live token needs; says how many went. */
    sweep(): number {
      const nowMs = now();
      const before = tokens.size;
      for (const [id, untilMs] of tokens) if (untilMs <= nowMs) tokens.delete(id);
      return before - tokens.size;
    },
    list(): Revocation[] {
      return [...tokens].map(([id, untilMs]) => ({ kind: 'token' as const, id, untilMs }));
    },
  };
}

/**
 * One process (embedded mode): the memory is the whole truth. With `file`, it is also written there, one
 * revocation a line, and read back at start: the embedded server keeps its signing key across restarts,
 * so its signed-out tokens must stay refused across them too.
 */
export function createMemoryTokenRevocations(
  options: { now?: () => number; file?: string } = {},
): TokenRevocations {
  const { now = Date.now, file } = options;
  const set = createRevocationSet(now);
  let timer: NodeJS.Timeout | undefined;
  // Rewritten with only what is still needed, so that the file does not grow without end.
  const compact = () => {
    if (file)
      writeFileSync(
        file,
        set
          .list()
          .map((r) => `${JSON.stringify(r)}\n`)
          .join(''),
        { mode: 0o600 },
      );
  };
  const revoke = async (revocation: Revocation) => {
    set.add(revocation);
    if (file) appendFileSync(file, `${JSON.stringify(revocation)}\n`, { mode: 0o600 });
  };
  return {
    isRevoked: set.isRevoked,
    revokeToken: (id, untilMs) => revoke({ kind: 'token', id, untilMs }),
    async start() {
      if (timer) return;
      if (file && existsSync(file)) {
        for (const line of readFileSync(file, 'utf8').split('\n')) {
          const revocation = line ? parseRevocation(line) : undefined;
          if (revocation) set.add(revocation);
        }
        compact();
      }
      timer = setInterval(() => {
        if (set.sweep() > 0) compact();
      }, SWEEP_EVERY_MS).unref();
    },
    async close() {
      clearInterval(timer);
    },
  };
}

function parseRevocation(text: string): Revocation | undefined {
  try {
    const r = JSON.parse(text) as Partial<Record<string, unknown>>;
    if (typeof r.id !== 'string' || typeof r.untilMs !== 'number') return undefined;
    if (r.kind === 'token') return { kind: 'token', id: r.id, untilMs: r.untilMs };
  } catch {
    // Not ours: ignored below.
  }
  return undefined;
}

const globEscaped = (text: string) => text.replace(/[*?[\]\\]/g, '\\$&');

/**
 * Several servers: Redis is the shared truth, each server's memory a copy. A revocation is written under
 * its own key (expiring with the tokens it refuses) and published in one round trip; every server, the
 * author included, adds what it hears to its memory. A server loads the keys with SCAN once it listens:
 * at start and after every reconnect of its subscriber (what was published meanwhile is in the keys).
 * `subscriber` is a connection of its own: a subscribed connection runs no other command.
 */
export function createRedisTokenRevocations(
  redis: Redis,
  subscriber: Redis,
  prefix: string,
  log: Logger,
  now: () => number = Date.now,
): TokenRevocations {
  const set = createRevocationSet(now);
  const channel = `${prefix}revocations`;
  const keyOf = (r: Revocation) => `${prefix}revoked:${r.kind}:${r.id}`;
  let timer: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;

  /**
   * Stored and published first, then known here at once (before the publication comes back). Should Redis
   * fail, nothing changed anywhere: the caller gets 503 and a retry does it all, rather than a 401 from
   * this server while the others still take the token.
   */
  async function revoke(revocation: Revocation) {
    const ttlMs = Math.ceil(revocation.untilMs - now());
    if (ttlMs <= 0) return;
    const text = JSON.stringify(revocation);
    const results = await redis
      .multi()
      .set(keyOf(revocation), text, 'PX', ttlMs)
      .publish(channel, text)
      .exec();
    const failed = results?.find(([error]) => error)?.[0];
    if (!results || failed) throw failed ?? new Error('token revocation: the transaction was discarded');
    set.add(revocation);
  }

  function hear(_channel: string, text: string) {
    const revocation = parseRevocation(text);
    if (revocation) set.add(revocation);
    else log.warn({ channel }, 'ignored a malformed token revocation');
  }

  async function load() {
    const pattern = `${globEscaped(prefix)}revoked:*`;
    for (let cursor = '0'; ; ) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
      if (keys.length > 0) {
        for (const text of await redis.mget(...keys)) {
          const revocation = text === null ? undefined : parseRevocation(text);
          if (revocation) set.add(revocation);
        }
      }
      cursor = next;
      if (cursor === '0') return;
    }
  }

  /** Listen first, then load: a revocation published in between is both heard and found. */
  async function follow(): Promise<void> {
    clearTimeout(retry);
    try {
      await subscriber.subscribe(channel);
      await load();
    } catch (error) {
      if (closed) return;
      log.warn({ err: { message: (error as Error).message } }, 'token revocations not loaded; retrying');
      retry = setTimeout(() => void follow(), 1_000).unref();
    }
  }
  const onReady = () => void follow();

  return {
    isRevoked: set.isRevoked,
    revokeToken: (id, untilMs) => revoke({ kind: 'token', id, untilMs }),
    async start() {
      timer ??= setInterval(() => set.sweep(), SWEEP_EVERY_MS).unref();
      subscriber.on('message', hear);
      subscriber.on('ready', onReady);
      if (subscriber.status === 'ready') await follow();
    },
    async close() {
      closed = true;
      clearInterval(timer);
      clearTimeout(retry);
      subscriber.off('message', hear);
      subscriber.off('ready', onReady);
    },
  };
}
