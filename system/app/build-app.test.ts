import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../lib/validate.ts';
import { encodeId } from '../data/ids.ts';
import { ApiErrorCodes } from './api-errors.ts';
import { AppConfigSchema } from './app-config.ts';
import { BODY_LIMIT_BYTES, buildApp } from './build-app.ts';
import { mediaUrlBase, toMediaJson } from './media-reads.ts';
import { createRng } from '../../lib/random/prng.ts';

/**
 * These tests need no backend: every backend points at a closed port on 127.0.0.1, and the
 * requests fail validation (or ID routing) before any handler would touch one. The real
 * backends are exercised by the integration tests.
 */
const CLOSED = '127.0.0.1:1';
const config = validateConfig(
  AppConfigSchema,
  {
    instanceId: 'app-test',
    logicalShards: 16,
    shards: [{ host: '127.0.0.1', port: 1 }, { host: '127.0.0.1', port: 1 }],
    redisUrl: `redis://${CLOSED}`,
    cache: { mode: 'memcached', servers: [CLOSED] },
    objectStore: { endpoint: `http://${CLOSED}`, publicEndpoint: `http://${CLOSED}` },
  },
  'test app config',
);


/** An ID with the right shape whose logical shard (9000) no deployment of 16 shards has. */
const UNROUTABLE_ID = encodeId({ timeMs: 1_400_000_000_000, logicalShard: 8000, sequence: 1 }).toString();
const GOOD_ID = encodeId({ timeMs: 1_400_000_000_000, logicalShard: 3, sequence: 1 }).toString();
const GOOD_UPLOAD = '0f8fad5b-d9cb-469f-a165-70867728950e';
const BAD_IDS = ['0', '01', '-1', 'abc', '1.5', '1e5', ' 1', '12345678901234567890', 'ünï', 'x'.repeat(300), '0x10', '١٢٣'];
const BAD_USERNAMES: unknown[] = ['ab', 'A_B_C', 'has space', 'x'.repeat(31), 'semi;colon', 42, null, true, [], {}, ''];
const BAD_AUTH: Array<string | undefined> = [
  undefined,
  '',
  'Bearer',
  'Bearer ',
  'bearer 0123456789abcdef0123456789abcdef',
  'Basic dXNlcjpwYXNz',
  'Bearer 0123456789ABCDEF0123456789ABCDEF',
  'Bearer 0123456789abcdef',
  `Bearer ${'f'.repeat(4000)}`,
  'Bearer ../../etc/passwd',
];
/** Texts Ajv's coercion alone would take for a number (Infinity, or another base or syntax than decimal). */
const BAD_NUMBER_TEXTS = ['Infinity', '-Infinity', '+Infinity', '1e400', '-1e400', '9'.repeat(400), 'NaN', '0x10', '0b1', '0o7', ' 5', '5 ', '1e1', '+5', '5.'];
const BAD_ID_VALUES: unknown[] = [123, 4.5, true, null, [], {}, '', 'abc', '-5', '007', Number.MAX_SAFE_INTEGER];

interface Malformed {
  method: 'GET' | 'POST';
  url: string;
  payload?: string;
  contentType?: string;
  authorization?: string;
}

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** Generates requests that are each wrong in exactly one way that validation or routing must catch. */
function generateMalformed(seed: number, count: number): Malformed[] {
  const rng = createRng(seed);
  const random = () => rng.nextFloat();
  const json = (value: unknown): string => JSON.stringify(value);
  const badId = (): string => encodeURIComponent(pick(random, BAD_IDS));
  const makers: Array<() => Malformed> = [
    () => ({ method: 'GET', url: `/users/${badId()}` }),
    () => ({ method: 'GET', url: `/media/${badId()}` }),
    () => ({ method: 'GET', url: `/users/${badId()}/feed` }),
    () => ({ method: 'POST', url: `/users/${badId()}/follows`, payload: json({ followeeId: GOOD_ID }) }),
    () => ({ method: 'POST', url: `/media/${badId()}/likes`, payload: json({ userId: GOOD_ID }) }),
    () => ({ method: 'POST', url: `/users/${badId()}/uploads`, payload: json({ contentType: 'image/jpeg' }) }),
    () => ({ method: 'POST', url: `/users/${GOOD_ID}/uploads/${badId()}/complete`, payload: json({}) }),
    () => ({ method: 'POST', url: '/users', payload: json({ username: pick(random, BAD_USERNAMES) }) }),
    () => ({ method: 'POST', url: '/users', payload: json({ username: 'valid_name', admin: true }) }),
    () => ({ method: 'POST', url: '/users', payload: pick(random, ['[]', '"alice"', '42', 'null']) }),
    () => ({ method: 'POST', url: `/users/${GOOD_ID}/follows`, payload: json({ followeeId: pick(random, BAD_ID_VALUES) }) }),
    () => ({ method: 'POST', url: `/users/${GOOD_ID}/follows`, payload: json({ followeeId: GOOD_ID, extra: 1 }) }),
    () => ({ method: 'POST', url: `/users/${GOOD_ID}/follows`, payload: json({}) }),
    () => ({ method: 'POST', url: `/media/${GOOD_ID}/likes`, payload: json({ userId: pick(random, BAD_ID_VALUES) }) }),
    () => ({ method: 'POST', url: `/users/${GOOD_ID}/uploads`, payload: json({ contentType: pick(random, ['image/gif', 'IMAGE/JPEG', '', 7, null]) }) }),
    () => ({ method: 'POST', url: `/users/${GOOD_ID}/uploads/${GOOD_UPLOAD}/complete`, payload: json({ caption: 'x'.repeat(2201) }) }),
    () => ({ method: 'POST', url: `/users/${GOOD_ID}/uploads/${GOOD_UPLOAD}/complete`, payload: json({ caption: pick(random, [1, null, [], {}]) }) }),
    () => ({ method: 'GET', url: `/users/${GOOD_ID}/feed?limit=${encodeURIComponent(pick(random, ['0', '-1', 'x', '1000', '2.5', '', ...BAD_NUMBER_TEXTS]))}` }),
    () => ({ method: 'GET', url: `/users/${GOOD_ID}/feed?before=${badId()}` }),
    () => ({ method: 'GET', url: `/users/${GOOD_ID}/feed?limit=5&page=2` }),
    () => ({ method: 'POST', url: '/users', payload: pick(random, ['{', '{"username":', '{"username":"a"', 'nul', '{username:"abc"}']) }),
    () => ({ method: 'POST', url: '/users', payload: json({ username: 'x'.repeat(BODY_LIMIT_BYTES) }) }),
    () => ({ method: 'POST', url: '/users', payload: 'username=alice', contentType: pick(random, ['text/plain', 'application/x-www-form-urlencoded', 'image/jpeg']) }),
    () => ({ method: 'GET', url: `/users/${UNROUTABLE_ID}` }),
    () => ({ method: 'GET', url: `/media/${UNROUTABLE_ID}` }),
    () => ({ method: 'GET', url: `/users/9999999999999999999/feed` }),
    () => ({ method: 'POST', url: `/users/${UNROUTABLE_ID}/follows`, payload: json({ followeeId: GOOD_ID }) }),
    () => ({ method: 'POST', url: `/users/${GOOD_ID}/follows`, payload: json({ followeeId: GOOD_ID }) }),
    () => ({ method: 'POST', url: `/media/${UNROUTABLE_ID}/likes`, payload: json({ userId: GOOD_ID }) }),
    () => ({ method: 'POST', url: `/users/${UNROUTABLE_ID}/uploads/${GOOD_UPLOAD}/complete`, payload: json({}) }),
    () => ({ method: pick(random, ['GET', 'POST'] as const), url: pick(random, ['/nope', '/users/1/likes', '/media', '/health/readyz']) }),
    // Well-formed writes without a usable session.
    () => ({ method: 'POST', url: `/users/${GOOD_ID}/follows`, payload: json({ followeeId: UNROUTABLE_ID }), authorization: pick(random, BAD_AUTH) }),
    () => ({ method: 'POST', url: `/media/${GOOD_ID}/likes`, payload: json({ userId: GOOD_ID }), authorization: pick(random, BAD_AUTH) }),
    () => ({ method: 'POST', url: `/users/${GOOD_ID}/uploads`, payload: json({ contentType: 'image/png' }), authorization: pick(random, BAD_AUTH) }),
    () => ({ method: 'GET', url: `/users/${GOOD_ID}/activity`, authorization: pick(random, BAD_AUTH) }),
    () => ({ method: 'GET', url: `/users/${GOOD_ID}/activity?limit=${encodeURIComponent(pick(random, ['0', '-3', 'x', '100000', ...BAD_NUMBER_TEXTS]))}` }),
    () => ({ method: 'POST', url: '/sessions', payload: json({ username: pick(random, BAD_USERNAMES) }) }),
    () => ({ method: 'POST', url: '/sessions', payload: json({ username: 'valid_name', token: 'x' }) }),
  ];
  return Array.from({ length: count }, (_, i) => (makers[i % makers.length] as () => Malformed)());
}

describe('buildApp without reachable backends', () => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = buildApp(config, { logger: false });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers /health without touching a backend, with a Server-Timing header', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', instanceId: 'app-test' });
    expect(res.headers['server-timing']).toBe('pg;dur=0.00, redis;dur=0.00, cache;dur=0.00, s3;dur=0.00');
  });

  it('answers /health/ready with 503 NOT_READY naming the backends that failed', async () => {
    const res = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(503);
    const body = res.json();
    expect(body.code).toBe('NOT_READY');
    expect(body.message).toMatch(/postgres/);
    expect(body.message).toMatch(/redis/);
    expect(body.message).toMatch(/memcached/);
  });

  it('rejects a few hundred generated malformed requests with 4xx and an error body, never 5xx', async () => {
    const requests = generateMalformed(20111, 456);
    const statuses = new Map<number, number>();
    for (const r of requests) {
      const res = await app.inject({
        method: r.method,
        url: r.url,
        ...(r.payload === undefined ? {} : { payload: r.payload }),
        headers: {
          ...(r.payload === undefined ? {} : { 'content-type': r.contentType ?? 'application/json' }),
          ...(r.authorization === undefined ? {} : { authorization: r.authorization }),
        },
      });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const context = `${r.method} ${r.url.slice(0, 80)} ${String(r.payload).slice(0, 60)} -> ${res.statusCode} ${res.body.slice(0, 200)}`;
      expect(res.statusCode, context).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, context).toBeLessThan(500);
      const body = res.json();
      expect(Object.keys(body).sort(), context).toEqual(['code', 'error', 'message']);
      expect(Object.keys(ApiErrorCodes), context).toContain(body.code);
      // Rejected before any backend was asked.
      expect(res.headers['server-timing'] ?? '', context).not.toMatch(/(pg|redis|cache|s3);dur=(?!0\.00)/);
    }
    // The generator reaches every kind of rejection, not just one.
    expect([...statuses.keys()].sort()).toEqual([400, 401, 404, 413, 414, 415]);
  });

  it('answers a non-finite or non-decimal number in a query string with 400 VALIDATION_FAILED, before any backend', async () => {
    for (const path of [`/users/${GOOD_ID}/feed`, `/users/${GOOD_ID}/activity`]) {
      for (const text of BAD_NUMBER_TEXTS) {
        const res = await app.inject({ method: 'GET', url: `${path}?limit=${encodeURIComponent(text)}` });
        expect([path, text, res.statusCode, res.json().code]).toEqual([path, text, 400, 'VALIDATION_FAILED']);
        expect(res.json()).toEqual({ error: 'Bad Request', code: 'VALIDATION_FAILED', message: expect.stringContaining('querystring/limit must be a finite integer') });
      }
    }
    const nearby = async (query: string) => (await app.inject({ method: 'GET', url: `/media/nearby?${query}` })).json().code as string;
    expect(await nearby('lat=Infinity&lng=0&radiusM=100')).toBe('INVALID_LOCATION');
    expect(await nearby('lat=0&lng=0x10&radiusM=100')).toBe('INVALID_LOCATION');
    expect(await nearby('lat=0&lng=0&radiusM=1e400')).toBe('INVALID_RADIUS');
    expect(await nearby('lat=0&lng=0&radiusM=100&limit=Infinity')).toBe('VALIDATION_FAILED');
  });

  it('refuses a write without a well-formed bearer token with 401 UNAUTHENTICATED before asking Redis', async () => {
    const res = await app.inject({
      method: 'POST',
      url: `/users/${GOOD_ID}/follows`,
      payload: { followeeId: UNROUTABLE_ID },
      headers: { authorization: 'Bearer not-a-token' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('UNAUTHENTICATED');
    expect(res.headers['server-timing']).toContain('redis;dur=0.00');
  });

  it('writes media URLs under the CDN base URL and the bucket', () => {
    expect(mediaUrlBase(config)).toBe('http://cdn:8080/media');
    const media = { id: GOOD_ID, ownerId: GOOD_ID, objectKey: 'u/1/a.jpg', caption: '', likeCount: 0, createdAtMs: 1_400_000_000_000 };
    expect(toMediaJson(media, mediaUrlBase(config)).url).toBe('http://cdn:8080/media/u/1/a.jpg');
  });

  it('exposes request counts by route on /metrics in Prometheus text format', async () => {
    await app.inject({ method: 'GET', url: '/health' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/feedscale_http_requests_total\{method="GET",route="\/health",status_code="200"\} \d+/);
    expect(res.body).toContain('feedscale_http_request_duration_seconds_bucket');
    expect(res.body).toContain('feedscale_cache_lookups_total{result="miss"}');
    expect(res.body).toContain('feedscale_pg_queries_total{physical_shard="1"}');
    expect(res.body).toContain('feedscale_cache_server_lookups_total{server="127.0.0.1:1",result="miss"}');
    // Redis is unreachable here, so the depth gauge is declared but has no sample.
    expect(res.body).toContain('# TYPE feedscale_queue_depth gauge');
  });
});
