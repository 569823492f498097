import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { generateDataset } from './dataset.ts';
import { createWorkloadModel } from './model.ts';
import { PopulationSchema } from './population-schema.ts';
import { summarizePopulation } from './population.ts';
import { sessionTokenFor } from '../../lib/session-tokens.ts';

const dataset = generateDataset(createWorkloadModel(), { seed: 3, logicalShards: 8 });

describe('summarizePopulation', () => {
  it('produces JSON that matches PopulationSchema and survives a round trip', () => {
    const population = summarizePopulation(dataset);
    expect(Value.Check(PopulationSchema, population)).toBe(true);
    expect(JSON.parse(JSON.stringify(population))).toEqual(population);
  });

  it('keeps every user when there are fewer than the cap, and samples evenly above it', () => {
    expect(summarizePopulation(dataset).userIds).toHaveLength(dataset.users.length);
    const sampled = summarizePopulation(dataset, { maxUserIds: 100, maxMediaIds: 50 });
    expect(sampled.userIds).toHaveLength(100);
    expect(sampled.mediaIds).toHaveLength(50);
    expect(sampled.userIds[0]).toBe(String(dataset.users[0]!.id));
    expect(new Set(sampled.userIds).size).toBe(100);
  });

  it('lists the most-followed users as celebrities, most followed first', () => {
    const followers = new Map<string, number>();
    for (const f of dataset.follows) followers.set(String(f.followeeId), (followers.get(String(f.followeeId)) ?? 0) + 1);
    const expected = [...followers.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([id]) => id);
    const { celebrityUserIds } = summarizePopulation(dataset, { celebrityCount: 5 });
    expect(celebrityUserIds.map((id) => followers.get(id))).toEqual(expected.map((id) => followers.get(id)));
  });

  it('takes hot media from the celebrities, newest first', () => {
    const population = summarizePopulation(dataset, { celebrityCount: 3, hotMediaPerCelebrity: 2 });
    const byId = new Map(dataset.media.map((m) => [String(m.id), m]));
    const owners = population.hotMediaIds.map((id) => String(byId.get(id)!.ownerId));
    expect(owners.every((owner) => population.celebrityUserIds.includes(owner))).toBe(true);
    expect(population.hotMediaIds.length).toBeLessThanOrEqual(6);
    const firstOwner = owners[0]!;
    const newestOfFirst = dataset.media.filter((m) => String(m.ownerId) === firstOwner).at(-1)!;
    expect(population.hotMediaIds[0]).toBe(String(newestOfFirst.id));
  });

  it('lists each sampled user\'s seeded session token at the same index', () => {
    const population = summarizePopulation(dataset, { maxUserIds: 50 });
    expect(population.sessionTokens).toHaveLength(50);
    population.userIds.forEach((id, i) => expect(population.sessionTokens![i]).toBe(sessionTokenFor(dataset.seed, id)));
  });

  it('samples the locations of geotagged media evenly, in creation order, to six decimals', () => {
    const located = dataset.media.filter((m) => m.location).map((m) => m.location!);
    const { geoPoints } = summarizePopulation(dataset, { maxGeoPoints: 100 });
    expect(geoPoints).toHaveLength(100);
    expect(geoPoints![0]![0]).toBeCloseTo(located[0]!.lat, 6);
    expect(geoPoints![0]![1]).toBeCloseTo(located[0]!.lng, 6);
    expect(geoPoints!.every((point) => point.every((degrees) => Math.abs(degrees * 1e6 - Math.round(degrees * 1e6)) < 1e-6))).toBe(true);
    expect(summarizePopulation(dataset).geoPoints).toHaveLength(Math.min(2000, located.length));
  });

  it('is deterministic for the same dataset', () => {
    expect(summarizePopulation(dataset)).toEqual(summarizePopulation(generateDataset(createWorkloadModel(), { seed: 3, logicalShards: 8 })));
  });
});
