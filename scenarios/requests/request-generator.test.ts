import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Population } from '../workload/population-schema.ts';
import { ENDPOINTS, type Endpoint } from './endpoints.ts';
import { sessionTokenFor } from '../../lib/session-tokens.ts';
import { createRequestGenerator, NEARBY_RADII_M, type RequestSpec } from './request-generator.ts';

const ids = (prefix: number, count: number): string[] => Array.from({ length: count }, (_, i) => String(prefix + i));
const userIds = ids(1_000_000, 500);
const geoPoints: Array<[number, number]> = [
  [40.7128, -74.006],
  [40.72, -73.99],
  [51.5074, -0.1278],
  [-33.8688, 151.2093],
];
const population: Population = {
  userIds,
  mediaIds: ids(5_000_000, 2000),
  hotMediaIds: ids(9_000_000, 5),
  celebrityUserIds: ids(1_000_000, 3),
  sessionTokens: userIds.map((id) => sessionTokenFor(11, id)),
  geoPoints,
};
const everything: Record<Endpoint, number> = {
  'feed.read': 0.45,
  'media.nearby': 0.05,
  'media.read': 0.1,
  'media.like': 0.2,
  'follow.create': 0.1,
  'upload.start': 0.05,
  'user.create': 0.05,
};

function take(count: number, seed = 1, mix: Partial<Record<Endpoint, number>> = everything): RequestSpec[] {
  const generator = createRequestGenerator({ seed, mix, population });
  return Array.from({ length: count }, () => generator.next());
}

describe('createRequestGenerator', () => {
  it('gives the identical first 10,000 requests for the same seed', () => {
    expect(take(10_000, 42)).toEqual(take(10_000, 42));
  });

  it('gives a different stream for a different seed', () => {
    expect(take(100, 42)).not.toEqual(take(100, 43));
  });

  it('does not depend on the key order of the mix', () => {
    const reversed = Object.fromEntries(Object.entries(everything).reverse());
    expect(take(1000, 5, reversed)).toEqual(take(1000, 5));
  });

  it('follows the mix weights', () => {
    const counts = new Map<string, number>();
    for (const spec of take(50_000)) counts.set(spec.endpoint, (counts.get(spec.endpoint) ?? 0) + 1);
    for (const endpoint of ENDPOINTS) expect((counts.get(endpoint) ?? 0) / 50_000).toBeCloseTo(everything[endpoint], 1.7);
  });

  it('builds each endpoint\'s method, path and body as the service expects', () => {
    const seen = new Map<Endpoint, RequestSpec>();
    for (const spec of take(2000)) if (!seen.has(spec.endpoint)) seen.set(spec.endpoint, spec);
    expect(seen.get('feed.read')).toMatchObject({ method: 'GET', path: expect.stringMatching(/^\/users\/1\d{6}\/feed\?limit=20$/) });
    expect(seen.get('feed.read')!.body).toBeUndefined();
    expect(seen.get('media.read')).toMatchObject({ method: 'GET', path: expect.stringMatching(/^\/media\/[59]\d{6}$/) });
    const like = seen.get('media.like')!;
    expect(like).toMatchObject({ method: 'POST', path: expect.stringMatching(/^\/media\/[59]\d{6}\/likes$/), headers: { 'content-type': 'application/json' } });
    expect(JSON.parse(like.body!)).toEqual({ userId: expect.stringMatching(/^1\d{6}$/) });
    const follow = seen.get('follow.create')!;
    expect(follow.path).toMatch(/^\/users\/1\d{6}\/follows$/);
    expect(JSON.parse(follow.body!)).toEqual({ followeeId: expect.stringMatching(/^1\d{6}$/) });
    const upload = seen.get('upload.start')!;
    expect(upload).toMatchObject({ method: 'POST', path: expect.stringMatching(/^\/users\/1\d{6}\/uploads$/), followUp: 'upload.complete' });
    expect(JSON.parse(upload.body!)).toEqual({ contentType: 'image/jpeg' });
    expect(seen.get('user.create')).toMatchObject({ method: 'POST', path: '/users' });
    const nearby = seen.get('media.nearby')!;
    expect(nearby).toMatchObject({ method: 'GET', path: expect.stringMatching(/^\/media\/nearby\?lat=-?[\d.]+&lng=-?[\d.]+&radiusM=\d+&limit=20$/) });
    expect(nearby.body).toBeUndefined();
    expect(nearby.headers).toBeUndefined();
  });
  it('starts nearby searches at the population\'s geotagged points, with every radius of the set', () => {
    const searches = take(4000, 21, { 'media.nearby': 1 }).map((spec) => new URL(spec.path, 'http://x').searchParams);
    const points = new Set(searches.map((q) => `${q.get('lat')},${q.get('lng')}`));
    expect(points).toEqual(new Set(geoPoints.map(([lat, lng]) => `${lat},${lng}`)));
    const radii = new Set(searches.map((q) => Number(q.get('radiusM'))));
    expect([...radii].sort((a, b) => a - b)).toEqual([...NEARBY_RADII_M]);
    expect(Math.max(...NEARBY_RADII_M)).toBeLessThanOrEqual(50_000);
  });
  it('keeps the stream of a plan without media.nearby as it was before the endpoint existed', () => {
    // Recorded with the generator before media.nearby was added (same mix, seed and population).
    const older = { 'feed.read': 0.5, 'media.read': 0.1, 'media.like': 0.2, 'follow.create': 0.1, 'upload.start': 0.05, 'user.create': 0.05 };
    const without: Population = { ...population, geoPoints: undefined };
    const generator = createRequestGenerator({ seed: 42, mix: older, population: without });
    expect(Array.from({ length: 3 }, () => generator.next().path)).toEqual(['/users/1000032/feed?limit=20', '/users/1000012/feed?limit=20', '/users/1000462/follows']);
  });

  it('sends the acting user\'s session token on every write, and none on reads and sign-ups', () => {
    const actingUser = (spec: RequestSpec): string =>
      spec.endpoint === 'media.like' ? (JSON.parse(spec.body!).userId as string) : (spec.path.split('/')[2] as string);
    let writes = 0;
    for (const spec of take(5000)) {
      if (spec.endpoint === 'media.like' || spec.endpoint === 'follow.create' || spec.endpoint === 'upload.start') {
        writes++;
        expect(spec.headers?.authorization).toBe(`Bearer ${sessionTokenFor(11, actingUser(spec))}`);
      } else {
        expect(spec.headers?.authorization).toBeUndefined();
      }
    }
    expect(writes).toBeGreaterThan(1000);
  });

  it('draws the same requests with or without session tokens in the population', () => {
    const without: Population = { ...population, sessionTokens: undefined };
    const strip = (specs: RequestSpec[]) => specs.map(({ headers, ...rest }) => ({ ...rest, contentType: headers?.['content-type'] }));
    const a = createRequestGenerator({ seed: 3, mix: everything, population });
    const b = createRequestGenerator({ seed: 3, mix: everything, population: without });
    const first = Array.from({ length: 2000 }, () => a.next());
    const second = Array.from({ length: 2000 }, () => b.next());
    expect(strip(first)).toEqual(strip(second));
    expect(second.some((spec) => spec.headers?.authorization !== undefined)).toBe(false);
  });

  it('never follows yourself', () => {
    const follows = take(20_000, 9, { 'follow.create': 1 });
    const self = follows.filter((s) => JSON.parse(s.body!).followeeId === s.path.split('/')[2]);
    expect(self).toEqual([]);
  });

  it('creates unique usernames that cannot collide with the dataset\'s u-prefixed ones', () => {
    const names = take(5000, 77, { 'user.create': 1 }).map((s) => JSON.parse(s.body!).username as string);
    expect(new Set(names).size).toBe(5000);
    expect(names.every((n) => /^g77n\d+$/.test(n))).toBe(true);
  });

  it('skews like targets to hot media', () => {
    const likes = take(20_000, 3, { 'media.like': 1 });
    const hot = new Set(population.hotMediaIds);
    const hotShare = likes.filter((s) => hot.has(s.path.split('/')[2]!)).length / likes.length;
    // 5 of 2005 media (0.25%) draw about H(5)/H(2005) = 2.28/8.18 = 28% of likes at exponent 1.
    expect(hotShare).toBeGreaterThan(0.24);
    expect(hotShare).toBeLessThan(0.32);
  });

  it('skews acting users by the activity exponent, and 0 makes them uniform', () => {
    const actorShare = (activityExponent: number): number => {
      const generator = createRequestGenerator({ seed: 4, mix: { 'feed.read': 1 }, population, activityExponent });
      let first = 0;
      for (let i = 0; i < 20_000; i++) if (generator.next().path.startsWith(`/users/${population.userIds[0]}/`)) first++;
      return first / 20_000;
    };
    expect(actorShare(0)).toBeLessThan(0.005); // 1/500 = 0.2%
    expect(actorShare(1.5)).toBeGreaterThan(0.3); // 1/H(500,1.5) = 39%
  });

  it('rejects unknown endpoints, negative weights, an all-zero mix and a population that cannot serve the mix', () => {
    expect(() => createRequestGenerator({ seed: 1, mix: { 'nope': 1 } as never, population })).toThrow(/unknown endpoint "nope"/);
    expect(() => createRequestGenerator({ seed: 1, mix: { 'feed.read': -1 }, population })).toThrow(/mix.feed.read must be/);
    expect(() => createRequestGenerator({ seed: 1, mix: { 'feed.read': 0 }, population })).toThrow(/positive weight/);
    expect(() => createRequestGenerator({ seed: 1, mix: { 'feed.read': 1 }, population: { ...population, sessionTokens: ['0'.repeat(32)] } })).toThrow(
      /sessionTokens has 1 entries for 500 userIds/,
    );
    expect(() => createRequestGenerator({ seed: 1, mix: { 'media.nearby': 1 }, population: { ...population, geoPoints: [] } })).toThrow(/geoPoints is empty/);
    expect(() => createRequestGenerator({ seed: 1, mix: { 'media.nearby': 1 }, population, nearbyLimit: 101 })).toThrow(/nearbyLimit must be/);
    const empty: Population = { userIds: [], mediaIds: [], hotMediaIds: [], celebrityUserIds: [] };
    expect(() => createRequestGenerator({ seed: 1, mix: { 'feed.read': 1 }, population: empty })).toThrow(/userIds is empty/);
    expect(() => createRequestGenerator({ seed: 1, mix: { 'user.create': 1 }, population: empty }).next()).not.toThrow();
  });
});

describe('k6 compatibility', () => {
  const here = dirname(fileURLToPath(import.meta.url));

  /** Runtime (non-type) import specifiers of a module, followed through relative imports. */
  function runtimeImports(file: string, seen = new Set<string>()): Map<string, string[]> {
    const graph = new Map<string, string[]>();
    if (seen.has(file)) return graph;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const specifiers = [...source.matchAll(/^\s*(import|export)\s+(?!type\b)[^'";]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[2]!);
    graph.set(file, specifiers);
    for (const spec of specifiers) {
      if (spec.startsWith('.')) for (const [f, s] of runtimeImports(resolve(dirname(file), spec), seen)) graph.set(f, s);
    }
    return graph;
  }

  it('the request generator reaches only relative modules, so k6 can import it', () => {
    const graph = runtimeImports(resolve(here, 'request-generator.ts'));
    const external = [...graph].flatMap(([file, specs]) => specs.filter((s) => !s.startsWith('./') && !s.startsWith('../')).map((s) => `${file}: ${s}`));
    expect(external).toEqual([]);
    expect(graph.size).toBeGreaterThanOrEqual(5); // the scan really followed the imports
  });
});
