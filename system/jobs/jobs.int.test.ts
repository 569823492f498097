import { request } from 'undici';
import { beforeAll, describe, expect, inject, it } from 'vitest';

// The asynchronous side of the service against the real stack: fan-out by the queue workers
// (containers `worker-<i>`), like notifications delivered to the notification sink, and images
// served through the CDN nginx. Needs the stack to run workers, the sink and the CDN.
const stack = inject('stack');
const suffix = Date.now().toString(36);

interface Delivery {
  toUserId: string;
  likerId: string;
  mediaId: string;
  likedAtMs: number;
  receivedAtMs: number;
}

async function api<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown, token?: string): Promise<{ status: number; json: T }> {
  const res = await request(`${stack.baseUrl}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, json: (text ? JSON.parse(text) : {}) as T };
}

async function signUp(name: string): Promise<{ id: string; token: string }> {
  const id = (await api<{ id: string }>('POST', '/users', { username: name })).json.id;
  const token = (await api<{ token: string }>('POST', '/sessions', { username: name })).json.token;
  return { id, token };
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function deliveriesFor(toUserId: string, sinceMs: number): Promise<Delivery[]> {
  const res = await request(`${stack.notificationSinkUrl}/deliveries?since=${sinceMs}&toUserId=${toUserId}`);
  return ((await res.body.json()) as { deliveries: Delivery[] }).deliveries;
}

describe('queue workers, notifications and the CDN', () => {
  let owner: { id: string; token: string };
  let follower: { id: string; token: string };
  let mediaId: string;
  let objectKey: string;
  let image: Buffer;
  const startedMs = Date.now();

  beforeAll(async () => {
    owner = await signUp(`jobs_owner_${suffix}`);
    follower = await signUp(`jobs_follower_${suffix}`);
    expect((await api('POST', `/users/${follower.id}/follows`, { followeeId: owner.id }, follower.token)).status).toBe(201);
  });

  it('fans a completed upload out to the followers\' feeds through the queue, with CDN URLs', async () => {
    const start = await api<{ uploadId: string; objectKey: string; uploadUrl: string }>('POST', `/users/${owner.id}/uploads`, { contentType: 'image/jpeg' }, owner.token);
    expect(start.status).toBe(201);
    image = Buffer.from([0xff, 0xd8, 0xff, 0xe0, ...Buffer.from(`jobs ${suffix}`), 0xff, 0xd9]);
    const put = await request(start.json.uploadUrl, { method: 'PUT', body: image, headers: { 'content-type': 'image/jpeg' } });
    await put.body.text();
    expect(put.statusCode).toBe(200);
    const done = await api<{ media: { id: string; url: string; objectKey: string } }>('POST', `/users/${owner.id}/uploads/${start.json.uploadId}/complete`, {}, owner.token);
    expect(done.status).toBe(201);
    mediaId = done.json.media.id;
    objectKey = done.json.media.objectKey;
    expect(done.json.media.url).toBe(`${stack.cdnUrl}/${stack.objectStore.bucket}/${objectKey}`);

    const feed = await until(
      () => api<{ items: Array<{ id: string; url: string }> }>('GET', `/users/${follower.id}/feed?limit=5`),
      (res) => res.json.items[0]?.id === mediaId,
    );
    expect(feed.json.items[0]).toEqual(expect.objectContaining({ id: mediaId, url: done.json.media.url }));
  });

  it('serves the image through the CDN, from its cache the second time', async () => {
    const first = await request(`${stack.cdnUrl}/${stack.objectStore.bucket}/${objectKey}`);
    expect(first.statusCode).toBe(200);
    expect(Buffer.from(await first.body.arrayBuffer())).toEqual(image);
    const second = await request(`${stack.cdnUrl}/${stack.objectStore.bucket}/${objectKey}`);
    expect(Buffer.from(await second.body.arrayBuffer())).toEqual(image);
    // The CDN nginx reports its proxy cache status (HIT on the second read).
    expect(String(second.headers['x-cache'] ?? '')).toBe('HIT');
  });

  it('delivers one push per new like to the notification sink, with the time from like to push', async () => {
    const liker = await signUp(`jobs_liker_${suffix}`);
    const first = await api<{ created: boolean }>('POST', `/media/${mediaId}/likes`, { userId: liker.id }, liker.token);
    const again = await api<{ created: boolean }>('POST', `/media/${mediaId}/likes`, { userId: liker.id }, liker.token);
    expect([first.json.created, again.json.created]).toEqual([true, false]);
    const deliveries = await until(() => deliveriesFor(owner.id, startedMs), (d) => d.some((x) => x.likerId === liker.id));
    const mine = deliveries.filter((d) => d.likerId === liker.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ toUserId: owner.id, mediaId });
    expect(mine[0]!.receivedAtMs).toBeGreaterThanOrEqual(mine[0]!.likedAtMs);
    // The repeat created no like, so no second push arrives.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await deliveriesFor(owner.id, startedMs)).filter((d) => d.likerId === liker.id)).toHaveLength(1);
    const stats = await request(`${stack.notificationSinkUrl}/stats`);
    const body = (await stats.body.json()) as { count: number; likeToPushMs: { p50: number; p99: number; max: number } };
    expect(body.count).toBeGreaterThanOrEqual(1);
    // Percentiles come from an HDR histogram (3 significant digits): within 0.1% of the exact max.
    expect(body.likeToPushMs.max * 1.001).toBeGreaterThanOrEqual(body.likeToPushMs.p50);
  });

  it('keeps the like count exact under a storm on one media ID and pushes once per like', async () => {
    const likers = await Promise.all(Array.from({ length: 40 }, (_, i) => signUp(`jobs_storm_${i}_${suffix}`)));
    const stormStartMs = Date.now();
    // Every liker sends twice at once: 80 concurrent requests, 40 likes.
    const answers = await Promise.all(likers.flatMap((l) => [0, 1].map(() => api<{ created: boolean }>('POST', `/media/${mediaId}/likes`, { userId: l.id }, l.token))));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.filter((a) => a.json.created)).toHaveLength(40);
    const read = await api<{ likeCount: number }>('GET', `/media/${mediaId}`);
    expect(read.json.likeCount).toBe(41);
    const ids = new Set(likers.map((l) => l.id));
    const deliveries = await until(() => deliveriesFor(owner.id, stormStartMs), (d) => d.filter((x) => ids.has(x.likerId)).length >= 40);
    expect(deliveries.filter((d) => ids.has(d.likerId))).toHaveLength(40);
  });

  it('reports queue depth on every app instance\'s /metrics', async () => {
    for (const appUrl of stack.appUrls) {
      const res = await request(`${appUrl}/metrics`);
      const text = await res.body.text();
      expect(text).toMatch(/feedscale_queue_depth\{queue="fan-out",state="waiting"\} \d+/);
      expect(text).toMatch(/feedscale_queue_depth\{queue="push",state="waiting"\} \d+/);
    }
  });
});
