import { describe, expect, it } from 'vitest';
import { createShardMap } from '../../system/data/shard-map.ts';
import { writeTemplate } from './endpoint-templates.ts';

describe('endpoint templates', () => {
  it('a nearby search sends one statement to every physical shard and scans every schema of each', () => {
    const shardMap = createShardMap(16, 4);
    const work = writeTemplate('media.nearby', { shardMap, path: '/media/nearby?lat=40.7&lng=-74&radiusM=2000&limit=10', body: undefined, followers: new Map(), cacheOn: true, fanOut: 'queue' });
    expect(work.shards).toEqual([0, 1, 2, 3]);
    expect(work.queriesPerShard).toBe(1);
    expect(work.units.pgQuery).toBe(4);
    // The limit's rows from each shard reach the app; Postgres also probes the 4 schemas on its host.
    expect(work.units.dbRow).toBe(40);
    expect(work.rowsPerShard).toBe(14);
    expect(work.units.memcachedOp ?? 0).toBe(0);
  });

  it('a nearby search on one shard costs one statement', () => {
    const work = writeTemplate('media.nearby', { shardMap: createShardMap(8, 1), path: '/media/nearby?lat=1&lng=2&radiusM=500', body: undefined, followers: new Map(), cacheOn: false, fanOut: 'queue' });
    expect(work.shards).toEqual([0]);
    expect(work.units.dbRow).toBe(20);
  });
});
