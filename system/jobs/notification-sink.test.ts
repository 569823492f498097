import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotificationSink, pushBodyProblem, type NotificationSink } from './notification-sink.ts';

// A real sink on a loopback port; the clock is ours so like-to-push times are exact.
let nowMs = 1_000_000;
let sink: NotificationSink;
let base: string;

async function call(method: 'GET' | 'POST', path: string, body?: string, contentType = 'application/json') {
  const res = await request(`${base}${path}`, { method, body, headers: body === undefined ? {} : { 'content-type': contentType } });
  return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  sink = createNotificationSink(() => nowMs);
  base = `http://127.0.0.1:${await sink.listen(0, '127.0.0.1')}`;
});
afterAll(async () => {
  await sink.close();
});

describe('the notification sink', () => {
  it('records every push with its receive time and reports like-to-push percentiles', async () => {
    for (const delayMs of [10, 20, 30, 40, 1000]) {
      nowMs += 5000;
      const body = JSON.stringify({ toUserId: '11', likerId: '12', mediaId: '13', likedAtMs: nowMs - delayMs });
      expect((await call('POST', '/push', body)).status).toBe(202);
    }
    const stats = await call('GET', '/stats');
    expect(stats.json).toEqual({ count: 5, likeToPushMs: { p50: expect.closeTo(30, 0) as number, p99: expect.closeTo(1000, 0) as number, max: expect.closeTo(1000, 0) as number } });
    const { json } = await call('GET', `/deliveries?since=${nowMs}&toUserId=11`);
    expect(json.deliveries).toEqual([{ toUserId: '11', likerId: '12', mediaId: '13', likedAtMs: nowMs - 1000, receivedAtMs: nowMs }]);
  });

  it('refuses malformed pushes with a 4xx and a code, and counts none of them', async () => {
    const before = (await call('GET', '/stats')).json.count;
    const cases: Array<[string, string, number]> = [
      ['{', 'application/json', 400],
      ['[]', 'application/json', 400],
      [JSON.stringify({ toUserId: 11, likerId: '12', mediaId: '13', likedAtMs: 1 }), 'application/json', 400],
      [JSON.stringify({ toUserId: '11', likerId: '12', mediaId: '13', likedAtMs: 1, extra: true }), 'application/json', 400],
      [JSON.stringify({ toUserId: '11', likerId: '12', mediaId: '13' }), 'application/json', 400],
      ['x'.repeat(20_000), 'application/json', 413],
      ['toUserId=11', 'text/plain', 415],
    ];
    for (const [body, type, status] of cases) {
      const res = await call('POST', '/push', body, type);
      expect(res.status, body.slice(0, 40)).toBe(status);
      expect(typeof res.json.code).toBe('string');
    }
    expect((await call('GET', '/deliveries?since=abc')).status).toBe(400);
    expect((await call('GET', '/nope')).status).toBe(404);
    expect((await call('GET', '/stats')).json.count).toBe(before);
    expect((await call('GET', '/health')).json).toEqual({ status: 'ok' });
  });

  it('counts a push sent again with the same push ID once (a retried job after a lost answer)', async () => {
    const before = (await call('GET', '/stats')).json.count as number;
    const body = JSON.stringify({ pushId: 'like:23:22', toUserId: '21', likerId: '22', mediaId: '23', likedAtMs: nowMs });
    expect((await call('POST', '/push', body)).json).toEqual({ received: true });
    expect((await call('POST', '/push', body)).json).toEqual({ received: true, duplicate: true });
    expect((await call('GET', '/stats')).json.count).toBe(before + 1);
    expect((await call('GET', '/deliveries?since=0&toUserId=21')).json.deliveries).toHaveLength(1);
  });
});

describe('pushBodyProblem', () => {
  it('accepts exactly the four push fields with the right types, and an optional push ID', () => {
    expect(pushBodyProblem({ toUserId: '1', likerId: '2', mediaId: '3', likedAtMs: 0 })).toBeNull();
    expect(pushBodyProblem({ pushId: 'like:3:2', toUserId: '1', likerId: '2', mediaId: '3', likedAtMs: 0 })).toBeNull();
    expect(pushBodyProblem({ pushId: 'a b', toUserId: '1', likerId: '2', mediaId: '3', likedAtMs: 0 })).toMatch(/pushId/);
    expect(pushBodyProblem({ toUserId: '01', likerId: '2', mediaId: '3', likedAtMs: 0 })).toMatch(/toUserId/);
    expect(pushBodyProblem({ toUserId: '1', likerId: '2', mediaId: '3', likedAtMs: 1.5 })).toMatch(/likedAtMs/);
    expect(pushBodyProblem(null)).toMatch(/object/);
  });
});
