import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ShardedDb } from './sharded-db.ts';
import { createShardMap } from './shard-map.ts';

// Pools that are never queried never connect; nothing listens on port 1.
const pool = (): pg.Pool => new pg.Pool({ host: '127.0.0.1', port: 1 });
const primaries = [pool(), pool()];
const replicaOfShard1 = pool();
const db = new ShardedDb(createShardMap(4, 2), primaries, { replicaPools: [undefined, replicaOfShard1] });

afterAll(async () => {
  await db.end();
});

describe('ShardedDb replicas', () => {
  it('reads from a shard\'s replica where it has one and from its primary where it has none', () => {
    const reads = db.forLaggingReads(true);
    expect(reads.pools[0]).toBe(primaries[0]);
    expect(reads.pools[1]).toBe(replicaOfShard1);
    expect(reads.queryCounts).not.toBe(db.queryCounts);
  });

  it('keeps primary reads on the primaries when replicas are not asked for', () => {
    expect(db.forLaggingReads(false)).toBe(db);
    const plain = new ShardedDb(createShardMap(4, 2), primaries);
    expect(plain.replica).toBeUndefined();
    expect(plain.forLaggingReads(true)).toBe(plain);
  });

  it('gives an observed view the same replica pools and counters', () => {
    const observed = db.withObserver(() => {});
    expect(observed.replica?.pools).toEqual(db.replica?.pools);
    expect(observed.replica?.queryCounts).toBe(db.replica?.queryCounts);
    expect(observed.queryCounts).toBe(db.queryCounts);
  });
});
