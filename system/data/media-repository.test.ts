import { describe, expect, it } from 'vitest';
import { encodeId } from './ids.ts';
import { mediaLookupSql, planHostLookups } from './media-repository.ts';
import { createShardMap } from './shard-map.ts';

const map = createShardMap(16, 4); // 4 schemas per host
const id = (logicalShard: number, sequence: number): string =>
  encodeId({ timeMs: 1_400_000_000_000 + sequence, logicalShard, sequence }).toString();

describe('planHostLookups', () => {
  it('makes one lookup per physical host however many IDs and schemas the page has', () => {
    const page = [id(0, 1), id(5, 2), id(1, 3), id(4, 4), id(15, 5), id(0, 6), id(6, 7)];
    const lookups = planHostLookups(map, page);
    expect(lookups.map((l) => l.physicalShard)).toEqual([0, 1, 3]);
    expect(lookups[0]?.parts).toEqual([
      { logicalShard: 0, schema: 'shard_0000', ids: [id(0, 1), id(0, 6)] },
      { logicalShard: 1, schema: 'shard_0001', ids: [id(1, 3)] },
    ]);
    expect(lookups[1]?.parts.map((p) => p.schema)).toEqual(['shard_0005', 'shard_0004', 'shard_0006']);
  });

  it('drops duplicate IDs so a repeated feed entry is fetched once', () => {
    const lookups = planHostLookups(map, [id(2, 1), id(2, 1), id(2, 1)]);
    expect(lookups).toHaveLength(1);
    expect(lookups[0]?.parts[0]?.ids).toEqual([id(2, 1)]);
  });

  it('returns no lookup for an empty page', () => {
    expect(planHostLookups(map, [])).toEqual([]);
  });
});

describe('mediaLookupSql', () => {
  it('unions one branch per schema, each bound to its own ID array parameter', () => {
    const [lookup] = planHostLookups(map, [id(0, 1), id(3, 2), id(0, 3)]);
    const { text, values } = mediaLookupSql(lookup!);
    expect(text.split('UNION ALL')).toHaveLength(2);
    expect(text).toContain('FROM shard_0000.media WHERE id = ANY($1::bigint[])');
    expect(text).toContain('FROM shard_0003.media WHERE id = ANY($2::bigint[])');
    expect(values).toEqual([[id(0, 1), id(0, 3)], [id(3, 2)]]);
  });

  it('sends a single-schema host a query without UNION', () => {
    const [lookup] = planHostLookups(map, [id(9, 1)]);
    expect(mediaLookupSql(lookup!).text).not.toContain('UNION');
  });
});
