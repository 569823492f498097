import { request } from 'undici';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createRng, type Rng } from '../../lib/random/prng.ts';
import { encodeId } from '../data/ids.ts';

// Hostile and malformed input through nginx against the real stack: every answer must be a 4xx
// with a stable code, never a 5xx, and the service must still be up afterwards.
const stack = inject('stack');
const suffix = Date.now().toString(36);
const REQUESTS = 1200;
const CONCURRENCY = 16;

interface Malformed {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  path: string;
  body?: string | Buffer;
  headers: Record<string, string>;
  kind: string;
}

const UNROUTABLE_ID = encodeId({ timeMs: 1_400_000_000_000, logicalShard: 8000, sequence: 1 }).toString();
const MISSING_ID = encodeId({ timeMs: 1_400_000_000_000, logicalShard: 1, sequence: 7 }).toString();
const UPLOAD_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const BAD_IDS = ['0', '01', '-1', 'abc', '1.5', '1e5', '0x10', '١٢٣', '9'.repeat(19), '9'.repeat(25), 'ünï', '%00', '%2e%2e', 'null', '[]', '{}', 'x'.repeat(200)];
const JUNK_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\u202e\u0644\u0627',
  '😀'.repeat(50),
  '\ud800',
  '../../../../etc/passwd',
  '..\\..\\windows\\system32',
  '%2e%2e%2f%2e%2e%2f',
  "'; DROP TABLE users; --",
  '<script>alert(1)</script>',
  '${jndi:ldap://127.0.0.1/x}',
  '{{7*7}}',
  'A'.repeat(5000),
];
const JUNK_VALUES: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, [], {}, [1, 2], { $gt: '' }, ...JUNK_STRINGS];
/** Hostile query-string coordinates, URL-encoded where they need it; '0x10' and ' 5' too (numbers in a URL must be decimal, strict-numbers.ts). */
const BAD_COORDINATES = ['91', '-90.000001', '181', '-180.5', '1e400', '-1e400', 'NaN', 'Infinity', '-Infinity', '', 'abc', '1,5', '%00', '%F0%9F%98%80', encodeURIComponent("0; DROP TABLE media"), '9'.repeat(400), '0x10', '%205'];
const BAD_AUTH = [
  '',
  'Bearer',
  'Bearer ',
  'Basic dXNlcjpwYXNz',
  'bearer 0123456789abcdef0123456789abcdef',
  'Bearer 0123456789ABCDEF0123456789ABCDEF',
  'Bearer 0123456789abcdef',
  'Bearer ../../etc/passwd',
  `Bearer ${'f'.repeat(2000)}`,
  'Bearer 00000000000000000000000000000000',
];

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.nextInt(items.length)] as T;
}

function deepNesting(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Seeded: the same requests on every run. Each request is wrong in at least one way. */
function generateMalformed(seed: number, count: number, ctx: { userId: string; token: string; otherUserId: string; mediaId: string }): Malformed[] {
  const rng = createRng(seed);
  const json = (value: unknown): string => JSON.stringify(value);
  const jsonHeaders = (auth?: string): Record<string, string> => ({ 'content-type': 'application/json', ...(auth === undefined ? {} : { authorization: auth }) });
  const bearer = `Bearer ${ctx.token}`;
  const badId = (): string => encodeURIComponent(pick(rng, BAD_IDS));
  const junk = (): unknown => pick(rng, JUNK_VALUES);
  const writeRoutes = (): Array<{ path: string; body: Record<string, unknown> }> => [
    { path: `/users/${ctx.userId}/follows`, body: { followeeId: ctx.otherUserId } },
    { path: `/users/${ctx.userId}/uploads`, body: { contentType: 'image/jpeg' } },
    { path: `/users/${ctx.userId}/uploads/${UPLOAD_ID}/complete`, body: { caption: 'c' } },
    { path: `/media/${ctx.mediaId}/likes`, body: { userId: ctx.userId } },
  ];
  const makers: Array<[string, () => Omit<Malformed, 'kind'>]> = [
    ['bad id in path', () => ({ method: pick(rng, ['GET', 'GET', 'POST'] as const), path: pick(rng, [`/users/${badId()}`, `/media/${badId()}`, `/users/${badId()}/feed`, `/users/${badId()}/activity`]), headers: {} })],
    ['bad id in write path', () => ({ method: 'POST', path: pick(rng, [`/users/${badId()}/follows`, `/users/${badId()}/uploads`, `/media/${badId()}/likes`, `/users/${ctx.userId}/uploads/${badId()}/complete`]), body: json({ followeeId: ctx.otherUserId }), headers: jsonHeaders(bearer) })],
    ['wrong types', () => {
      const route = pick(rng, writeRoutes());
      const key = pick(rng, Object.keys(route.body));
      return { method: 'POST', path: route.path, body: json({ ...route.body, [key]: junk() }), headers: jsonHeaders(bearer) };
    }],
    ['unknown keys', () => {
      const route = pick(rng, [...writeRoutes(), { path: '/users', body: { username: `u${suffix}` } }, { path: '/sessions', body: { username: `u${suffix}` } }]);
      return { method: 'POST', path: route.path, body: json({ ...route.body, [pick(rng, ['admin', '__proto__', 'constructor', 'x'.repeat(100), ''])]: junk() }), headers: jsonHeaders(bearer) };
    }],
    ['huge strings', () => ({ method: 'POST', path: pick(rng, ['/users', '/sessions']), body: json({ username: 'a'.repeat(1000 + rng.nextInt(50_000)) }), headers: jsonHeaders() })],
    ['huge caption', () => ({ method: 'POST', path: `/users/${ctx.userId}/uploads/${UPLOAD_ID}/complete`, body: json({ caption: 'c'.repeat(2201 + rng.nextInt(30_000)) }), headers: jsonHeaders(bearer) })],
    ['bad json', () => ({ method: 'POST', path: pick(rng, ['/users', '/sessions', `/users/${ctx.userId}/follows`, `/media/${ctx.mediaId}/likes`]), body: pick(rng, ['{', '{"username":', '{"a":1,}', "{'a':1}", 'nul', 'NaN', '\u0000', '{"a":"\\ud800"', '"unterminated', '[1,2']), headers: jsonHeaders(bearer) })],
    ['json of the wrong shape', () => ({ method: 'POST', path: pick(rng, ['/users', '/sessions', `/users/${ctx.userId}/follows`]), body: pick(rng, ['[]', '"alice"', '42', 'null', 'true', '[{"username":"abc"}]']), headers: jsonHeaders(bearer) })],
    ['wrong content type', () => ({
      method: 'POST',
      path: pick(rng, ['/users', '/sessions', `/users/${ctx.userId}/follows`]),
      body: pick(rng, ['username=alice', '<xml/>', json({ username: 'alice' })]),
      headers: { 'content-type': pick(rng, ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'image/jpeg', 'application/xml', 'text/html']), authorization: bearer },
    })],
    ['deep nesting', () => ({ method: 'POST', path: pick(rng, ['/users', `/users/${ctx.userId}/follows`]), body: deepNesting(100 + rng.nextInt(5000)), headers: jsonHeaders(bearer) })],
    ['unicode junk', () => ({ method: 'POST', path: pick(rng, ['/users', '/sessions']), body: json({ username: pick(rng, JUNK_STRINGS.filter((s) => s.length < 100)) }), headers: jsonHeaders() })],
    ['path traversal', () => ({
      method: 'GET',
      // Traversals that stay under the root reach the app; nginx itself rejects those above it (see below).
      path: pick(rng, [
        `/users/${ctx.userId}/x/${encodeURIComponent('../../etc/passwd')}`,
        `/media/${encodeURIComponent('..\\..\\boot.ini')}`,
        `/users/${ctx.userId}/feed?before=${encodeURIComponent('../../etc/passwd')}`,
        `/users/${ctx.userId}/feed?limit=${encodeURIComponent("1;DROP TABLE media")}`,
        '/users/a/%2e%2e/%2e%2e/secret',
        '/media/a/b/..%2f..%2fsecret',
      ]),
      headers: {},
    })],
    ['oversized body', () => ({ method: 'POST', path: pick(rng, ['/users', `/users/${ctx.userId}/follows`]), body: json({ username: 'x'.repeat(70_000 + rng.nextInt(800_000)) }), headers: jsonHeaders(bearer) })],
    ['missing or garbage auth', () => {
      const route = pick(rng, writeRoutes());
      const auth = pick(rng, [undefined, ...BAD_AUTH]);
      return { method: 'POST', path: route.path, body: json(route.body), headers: jsonHeaders(auth) };
    }],
    ['another user\'s session', () => {
      const route = pick(rng, [
        { path: `/users/${ctx.otherUserId}/follows`, body: { followeeId: ctx.userId } },
        { path: `/users/${ctx.otherUserId}/uploads`, body: { contentType: 'image/png' } },
        { path: `/media/${ctx.mediaId}/likes`, body: { userId: ctx.otherUserId } },
      ]);
      return { method: 'POST', path: route.path, body: json(route.body), headers: jsonHeaders(bearer) };
    }],
    ['activity of someone else', () => ({ method: 'GET', path: `/users/${ctx.otherUserId}/activity`, headers: pick(rng, [{}, { authorization: bearer }, { authorization: pick(rng, BAD_AUTH) }]) })],
    ['bad query', () => ({ method: 'GET', path: `/users/${ctx.userId}/${pick(rng, ['feed', 'activity'])}?${pick(rng, ['limit=0', 'limit=-1', 'limit=x', 'limit=100000', 'limit=1.5', 'page=2', 'before=0', 'before=abc', 'limit=1&limit=2&limit=x', 'limit=Infinity', 'limit=-Infinity', 'limit=1e400', 'limit=0x10', 'limit=%205', 'limit=NaN'])}`, headers: { authorization: bearer } })],
    ['unroutable or missing ids', () => ({
      method: 'POST',
      path: pick(rng, [`/media/${UNROUTABLE_ID}/likes`, `/media/${MISSING_ID}/likes`]),
      body: json({ userId: ctx.userId }),
      headers: jsonHeaders(bearer),
    })],
    ['unknown routes and methods', () => ({ method: pick(rng, ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const), path: pick(rng, ['/nope', '/users/1/likes', '/media', '/admin', `/users/${ctx.userId}/feed/x`, '/sessions/1']), headers: {} })],
    ['empty body', () => ({ method: 'POST', path: pick(rng, ['/users', '/sessions', `/users/${ctx.userId}/follows`]), body: '', headers: jsonHeaders(bearer) })],
    ['raw bytes', () => ({ method: 'POST', path: '/users', body: Buffer.from(Array.from({ length: 64 + rng.nextInt(512) }, () => rng.nextInt(256))), headers: jsonHeaders() })],
    ['bad nearby query', () => {
      // Each parameter valid or hostile at random, at least one hostile (a valid query is a 200).
      const hostile = 1 + rng.nextInt(15);
      const value = (bit: number, good: string, bad: readonly string[]) => (hostile & bit ? pick(rng, bad) : good);
      const params = [
        `lat=${value(1, '40.7', BAD_COORDINATES)}`,
        `lng=${value(2, '-74', BAD_COORDINATES)}`,
        `radiusM=${value(4, '1000', ['0', '-1', '50000.5', '1e9', 'NaN', 'Infinity', '', '1km', '%00', "1' OR '1'='1"])}`,
        value(8, 'limit=20', ['limit=0', 'limit=101', 'limit=-1', 'limit=1.5', 'limit=x', 'limit=20&limit=21', `${encodeURIComponent(pick(rng, ['__proto__', 'constructor', 'x'.repeat(300)]))}=1`]),
      ];
      return { method: 'GET', path: `/media/nearby?${params.join('&')}`, headers: {} };
    }],
    ['bad upload location', () => ({
      method: 'POST',
      path: `/users/${ctx.userId}/uploads/${UPLOAD_ID}/complete`,
      body: json({ caption: 'c', location: pick(rng, [junk(), { lat: junk(), lng: 0 }, { lat: 0, lng: junk() }, { lat: 91, lng: 0 }, { lat: 0, lng: 181 }, { lat: 1 }, { lat: 1, lng: 2, alt: 3 }, [1, 2]]) }),
      headers: jsonHeaders(bearer),
    })],
  ];
  return Array.from({ length: count }, (_, i) => {
    const [kind, make] = makers[i % makers.length] as [string, () => Omit<Malformed, 'kind'>];
    return { ...make(), kind };
  });
}

async function send(r: Malformed): Promise<{ status: number; text: string }> {
  const res = await request(`${stack.baseUrl}${r.path}`, { method: r.method, headers: r.headers, body: r.body });
  return { status: res.statusCode, text: await res.body.text() };
}

async function post<T>(path: string, body: unknown, token?: string): Promise<T> {
  const res = await request(`${stack.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await res.body.json()) as T;
  if (res.statusCode >= 300) throw new Error(`setup ${path} answered ${res.statusCode}: ${JSON.stringify(json)}`);
  return json;
}

describe('malformed and hostile input through nginx', () => {
  const ctx = { userId: '', token: '', otherUserId: '', mediaId: MISSING_ID };

  beforeAll(async () => {
    ctx.userId = (await post<{ id: string }>('/users', { username: `mal_a_${suffix}` })).id;
    ctx.otherUserId = (await post<{ id: string }>('/users', { username: `mal_b_${suffix}` })).id;
    ctx.token = (await post<{ token: string }>('/sessions', { username: `mal_a_${suffix}` })).token;
  });

  it(`answers ${REQUESTS} generated malformed requests with a 4xx and a stable code, never a 5xx, and stays up`, async () => {
    const requests = generateMalformed(2011, REQUESTS, ctx);
    const failures: string[] = [];
    const byStatus = new Map<number, number>();
    const kinds = new Set<string>();
    for (let i = 0; i < requests.length; i += CONCURRENCY) {
      const batch = requests.slice(i, i + CONCURRENCY);
      const answers = await Promise.all(batch.map(send));
      answers.forEach(({ status, text }, j) => {
        const r = batch[j] as Malformed;
        kinds.add(r.kind);
        byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
        let code: unknown;
        try {
          code = (JSON.parse(text) as { code?: unknown }).code;
        } catch {
          code = undefined;
        }
        if (status < 400 || status >= 500 || typeof code !== 'string') {
          failures.push(`${r.kind}: ${r.method} ${r.path.slice(0, 80)} -> ${status} ${text.slice(0, 160)}`);
        }
      });
    }
    expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);
    expect(kinds.size).toBe(23);
    // The generator reaches the rejections it means to: schema, auth, ownership, size, type, routing.
    for (const status of [400, 401, 403, 404, 413, 415]) expect(byStatus.get(status) ?? 0, `status ${status}`).toBeGreaterThan(0);
    const health = await request(`${stack.baseUrl}/health`);
    expect(health.statusCode).toBe(200);
    await health.body.text();
    for (const appUrl of stack.appUrls) {
      const ready = await request(`${appUrl}/health/ready`);
      expect(ready.statusCode, appUrl).toBe(200);
      await ready.body.text();
    }
  });

  it('leaves traversal above the root to nginx, which refuses it with a 400 before any app sees it', async () => {
    for (const path of ['/users/..%2F..%2Fetc%2Fpasswd', '/media/..%2f..%2fsecret']) {
      const res = await request(`${stack.baseUrl}${path}`);
      await res.body.text();
      expect(res.statusCode, path).toBe(400);
      expect(res.headers['x-upstream'], path).toBeUndefined();
    }
  });
});
