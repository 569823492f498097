import { request } from 'undici';
import type { PushJobData } from './queues.ts';

/**
 * Delivers one like notification to the push service (POST <sinkUrl>/push). Anything but a 2xx
 * throws, so BullMQ retries the job with backoff.
 */
export async function deliverPush(sinkUrl: string, data: PushJobData, timeoutMs: number): Promise<void> {
  const res = await request(`${sinkUrl.replace(/\/+$/, '')}/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ toUserId: data.toUserId, likerId: data.likerId, mediaId: data.mediaId, likedAtMs: data.likedAtMs }),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const text = await res.body.text();
  if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`push service answered ${res.statusCode}: ${text.slice(0, 200)}`);
}
