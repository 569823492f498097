import { Redis } from 'ioredis';

/** BullMQ keeps the IDs of the jobs being processed in this list (queue 'fan-out', default prefix). */
const ACTIVE_FAN_OUT_KEY = 'bull:fan-out:active';

/**
 * Waits until at least one fan-out job is running (so a worker killed then dies half way through
 * it), polling Redis every 2 ms; resolves with the number of active jobs seen, or 0 when none
 * ran within timeoutMs.
 */
export async function waitForActiveFanOut(redisUrl: string, timeoutMs: number, signal?: AbortSignal): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !signal?.aborted) {
      const active = await redis.llen(ACTIVE_FAN_OUT_KEY);
      if (active > 0) return active;
      await new Promise((r) => setTimeout(r, 2));
    }
    return 0;
  } finally {
    redis.disconnect();
  }
}
