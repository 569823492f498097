import { describe, expect, it } from 'vitest';
import { decodeId, shardOfId } from '../../system/data/ids.ts';
import { logicalShardForUsername } from '../../system/data/shard-map.ts';
import { datasetDigest } from './dataset-digest.ts';
import { generateDataset, SYNTHETIC_END_MS } from './dataset.ts';
import type { Dataset, DatasetMedia } from '../../lib/dataset-types.ts';
import { greatCircleDistanceM } from '../../system/data/geo-point.ts';
import { CITIES } from './cities.ts';
import { createWorkloadModel } from './model.ts';

const model = createWorkloadModel(); // 2,800 users at the default 1/5000
const dataset = generateDataset(model, { seed: 7, logicalShards: 16 });

function followerCounts(ds: Dataset): number[] {
  const counts = new Map<bigint, number>(ds.users.map((u) => [u.id, 0]));
  for (const f of ds.follows) counts.set(f.followeeId, (counts.get(f.followeeId) ?? 0) + 1);
  return [...counts.values()].sort((a, b) => b - a);
}

describe('generateDataset', () => {
  it('gives an identical dataset for the same seed', () => {
    const again = generateDataset(model, { seed: 7, logicalShards: 16 });
    expect(datasetDigest(again)).toBe(datasetDigest(dataset));
  });

  it('gives a different dataset for a different seed', () => {
    expect(datasetDigest(generateDataset(model, { seed: 8, logicalShards: 16 }))).not.toBe(datasetDigest(dataset));
  });

  it('sizes users by the scale factor and media and follows by the per-user ratios', () => {
    expect(dataset.users).toHaveLength(2800);
    expect(dataset.media.length / dataset.users.length).toBeGreaterThan(21 * 0.9);
    expect(dataset.media.length / dataset.users.length).toBeLessThan(21 * 1.1);
    expect(dataset.follows.length / dataset.users.length).toBeGreaterThan(20 * 0.9);
    expect(dataset.follows.length / dataset.users.length).toBeLessThan(20 * 1.1);
  });

  it('mints no duplicate IDs across users and media', () => {
    const ids = [...dataset.users.map((u) => u.id), ...dataset.media.map((m) => m.id)];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('puts every ID on its owner\'s logical shard, which the username decides', () => {
    const shardOfUser = new Map(dataset.users.map((u) => [u.id, u.logicalShard]));
    const badUsers = dataset.users.filter((u) => u.logicalShard !== logicalShardForUsername(u.username, 16) || shardOfId(u.id) !== u.logicalShard);
    const badMedia = dataset.media.filter((m) => shardOfId(m.id) !== shardOfUser.get(m.ownerId));
    expect(badUsers).toEqual([]);
    expect(badMedia).toEqual([]);
    expect(new Set(dataset.users.map((u) => u.logicalShard)).size).toBe(16);
  });

  it('encodes each creation time in its ID, strictly increasing and before 2012', () => {
    for (const list of [dataset.users, dataset.media]) {
      const bad = list.filter(
        (row, i) => decodeId(row.id).timeMs !== row.createdAtMs || row.createdAtMs >= SYNTHETIC_END_MS || (i > 0 && row.createdAtMs <= list[i - 1]!.createdAtMs),
      );
      expect(bad).toEqual([]);
    }
    const ids = dataset.media.map((m) => m.id);
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
  });

  it('creates media and follows only after the users they refer to', () => {
    const createdAt = new Map(dataset.users.map((u) => [u.id, u.createdAtMs]));
    expect(dataset.media.filter((m) => !(m.createdAtMs > createdAt.get(m.ownerId)!))).toEqual([]);
    expect(dataset.follows.filter((f) => !(f.createdAtMs > createdAt.get(f.followerId)! && f.createdAtMs > createdAt.get(f.followeeId)!))).toEqual([]);
  });

  it('has no self-follows and no duplicate follow edges', () => {
    const edges = new Set<string>();
    for (const f of dataset.follows) edges.add(`${f.followerId}>${f.followeeId}`);
    expect(dataset.follows.filter((f) => f.followerId === f.followeeId)).toEqual([]);
    expect(edges.size).toBe(dataset.follows.length);
  });

  it('makes follower counts heavy-tailed: a few celebrities, a typical user with few followers', () => {
    const counts = followerCounts(dataset);
    const total = counts.reduce((a, b) => a + b, 0);
    const median = counts[Math.floor(counts.length / 2)]!;
    expect(counts[0]!).toBeGreaterThan(50 * Math.max(1, median));
    expect(counts.slice(0, 28).reduce((a, b) => a + b, 0) / total).toBeGreaterThan(0.3); // top 1% hold > 30%
  });

  it('names objects after owner and media and uses usernames u000000..', () => {
    expect(dataset.users[0]!.username).toBe('u000000');
    expect(dataset.users[2799]!.username).toBe('u002799');
    const m = dataset.media[0]!;
    expect(m.objectKey).toBe(`seed/${m.ownerId}/${m.id}.jpg`);
    expect(m.caption.length).toBeGreaterThan(0);
  });

  it('honours maxUsers, a custom epoch and small populations without self-follows', () => {
    const epochMs = Date.UTC(2011, 9, 1);
    const tiny = generateDataset(createWorkloadModel({ meanFollowing: 50 }), { seed: 1, logicalShards: 4, maxUsers: 5, epochMs });
    expect(tiny.users).toHaveLength(5);
    expect(tiny.follows.length).toBeLessThanOrEqual(5 * 4);
    for (const f of tiny.follows) expect(f.followerId).not.toBe(f.followeeId);
    expect(decodeId(tiny.users[0]!.id, epochMs).timeMs).toBe(tiny.users[0]!.createdAtMs);
  });

  it('geotags about geotaggedShare of the media, each within reach of a seeded city', () => {
    const located = dataset.media.filter((m) => m.location);
    expect(located.length / dataset.media.length).toBeCloseTo(0.2, 1.5);
    const nearest = located.map((m) => Math.min(...CITIES.map((c) => greatCircleDistanceM(c, m.location!))));
    expect(Math.max(...nearest)).toBeLessThanOrEqual(60_000 + 1e-6);
    expect(nearest.sort((a, b) => a - b)[nearest.length >> 1]! / 3000).toBeCloseTo(1, 0.7);
  });

  it('puts a user\'s geotagged photos around one home city, the top city most often', () => {
    const cityOf = (m: DatasetMedia) => CITIES.findIndex((c) => greatCircleDistanceM(c, m.location!) <= 60_001);
    const homes = new Map<bigint, Set<number>>();
    for (const m of dataset.media) if (m.location) homes.set(m.ownerId, (homes.get(m.ownerId) ?? new Set()).add(cityOf(m)));
    expect([...homes.values()].filter((cities) => cities.size > 1)).toEqual([]);
    const users = [...homes.values()].map((cities) => [...cities][0]!);
    const share = (city: number) => users.filter((c) => c === city).length / users.length;
    expect(share(0)).toBeGreaterThan(1.5 * share(1));
  });

  it('adds locations without moving any other field: geotaggedShare 0 gives the same rows without them', () => {
    const bare = generateDataset(createWorkloadModel({ geotaggedShare: 0 }), { seed: 7, logicalShards: 16 });
    expect(bare.media.every((m) => m.location === undefined)).toBe(true);
    const strip = (ds: Dataset) => ds.media.map(({ location: _location, ...rest }) => rest);
    expect(strip(bare)).toEqual(strip(dataset));
    expect(bare.follows).toEqual(dataset.follows);
    expect(datasetDigest(bare)).not.toBe(datasetDigest(dataset));
  });

  it('rejects bad options with CFG_ERR_INVALID naming the option', () => {
    expect(() => generateDataset(model, { seed: 1, logicalShards: 0 })).toThrow(/logicalShards must be an integer/);
    expect(() => generateDataset(model, { seed: 1.5, logicalShards: 4 })).toThrow(/seed must be a safe integer/);
    expect(() => generateDataset(model, { seed: 1, logicalShards: 4, maxUsers: 0 })).toThrow(/maxUsers/);
  });
});
