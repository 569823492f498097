import { request } from 'undici';
import type { PushJobData } from './queues.ts';

/**
 * The identity of one push: a like notifies once per (media, liker) (likes are idempotent), so
 * a push sent again by a retried job, after its first answer was lost, carries the same ID and
 * the push service counts it once (APNs-style collapse by ID).
 */
export function pushIdOf(data: Pick<PushJobData, 'mediaId' | 'likerId'>): string {
  return `like:${data.mediaId}:${data.likerId}`;
}

/**
 * Delivers one like notification to the push service (POST <sinkUrl>/push) with its push ID.
 * Anything but a 2xx throws, so BullMQ retries the job with backoff.
 */
export async function deliverPush(sinkUrl: string, data: PushJobData, timeoutMs: number): Promise<void> {
  const res = await request(`${sinkUrl.replace(/\/+$/, '')}/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pushId: pushIdOf(data), toUserId: data.toUserId, likerId: data.likerId, mediaId: data.mediaId, likedAtMs: data.likedAtMs }),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const text = await res.body.text();
  if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`push service answered ${res.statusCode}: ${text.slice(0, 200)}`);
}
