import type { Redis } from 'ioredis';

/**
 * How far each caller's recent writes reached in the primary's WAL, kept for a window, so that their
 * reads go where those writes are visible (README, "Read replicas"). A caller is the account that wrote.
 */
export interface RecentWrites {
  /** These callers' writes are committed at or before `position`. */
  record(callerIds: string[], position: bigint): Promise<void>;
  /** The furthest position a caller's writes reached within the window; undefined when they wrote none. */
  positionOf(callerId: string): Promise<bigint | undefined>;
}

/** Positions by caller, each dropped once the window has passed since that caller's last write. */
function createPositionMap(windowMs: number, now: () => number) {
  const entries = new Map<string, { position: bigint; untilMs: number }>();
  let sweptAt = now();
  return {
    add(callerId: string, position: bigint) {
      const nowMs = now();
      const known = entries.get(callerId);
      const furthest =
        known && known.untilMs > nowMs && known.position > position ? known.position : position;
      entries.set(callerId, { position: furthest, untilMs: nowMs + windowMs });
      if (nowMs - sweptAt < windowMs) return;
      sweptAt = nowMs;
      for (const [id, entry] of entries) if (entry.untilMs <= nowMs) entries.delete(id);
    },
    get(callerId: string): bigint | undefined {
      const entry = entries.get(callerId);
      return entry && entry.untilMs > now() ? entry.position : undefined;
    },
  };
}

/** One server: its memory is the whole truth. */
export function createMemoryRecentWrites(windowMs: number, now: () => number = Date.now): RecentWrites {
  const positions = createPositionMap(windowMs, now);
  return {
    async record(callerIds, position) {
      for (const id of callerIds) positions.add(id, position);
    },
    async positionOf(callerId) {
      return positions.get(callerId);
    },
  };
}

// Positions travel as 20 decimal digits, zero-padded, so that Lua compares them as strings in their order
// (a Lua number, a double, would round positions past 2^53).
const POSITION_DIGITS = 20;
const asDigits = (position: bigint) => position.toString().padStart(POSITION_DIGITS, '0');

// KEYS: one per caller. ARGV: the position (digits), the window in ms. The furthest position wins, so a
// record that arrives late never hides a later write; every record restarts the window.
const RECORD_SCRIPT = `
for _, key in ipairs(KEYS) do
  local known = redis.call('GET', key)
  if not known or known < ARGV[1] then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
  else
    redis.call('PEXPIRE', key, ARGV[2])
  end
end
return #KEYS`;

/**
 * Several servers behind one port: a caller's next read may reach another server. Each caller's position
 * is kept under `<prefix>wrote:<callerId>` for the window, written for every caller of a record in one
 * round trip. This server's memory keeps its own callers' too, so a record Redis missed still holds here.
 */
export function createRedisRecentWrites(
  redis: Redis,
  prefix: string,
  windowMs: number,
  now: () => number = Date.now,
): RecentWrites {
  const local = createPositionMap(windowMs, now);
  const keyOf = (callerId: string) => `${prefix}wrote:${callerId}`;
  return {
    async record(callerIds, position) {
      for (const id of callerIds) local.add(id, position);
      if (callerIds.length === 0) return;
      await redis.eval(
        RECORD_SCRIPT,
        callerIds.length,
        ...callerIds.map(keyOf),
        asDigits(position),
        windowMs,
      );
    },
    async positionOf(callerId) {
      const text = await redis.get(keyOf(callerId));
      const shared = text === null ? undefined : BigInt(text);
      const own = local.get(callerId);
      if (shared === undefined || own === undefined) return shared ?? own;
      return shared > own ? shared : own;
    },
  };
}
