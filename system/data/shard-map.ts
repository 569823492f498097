import { MAX_LOGICAL_SHARDS, shardOfId } from './ids.ts';

/**
 * The map in code that sends each logical shard (a Postgres schema) to a physical host,
 * as in "Sharding & IDs at Instagram": contiguous ranges of logical shards per host, so that
 * moving a shard to a new host is moving one schema and editing this map.
 */
export interface ShardMap {
  readonly logicalShards: number;
  readonly physicalShards: number;
  /** physicalOf[logical] = index of the physical host that holds that schema. */
  readonly physicalOf: readonly number[];
}

/** Why a layout cannot be made, or undefined when it can (the stack's config check uses it too). */
export function shardLayoutIssue(logicalShards: number, physicalShards: number): string | undefined {
  if (!Number.isInteger(logicalShards) || logicalShards < 1 || logicalShards > MAX_LOGICAL_SHARDS) {
    return `logicalShards must be an integer in [1, ${MAX_LOGICAL_SHARDS}] (got ${logicalShards})`;
  }
  if (!Number.isInteger(physicalShards) || physicalShards < 1 || physicalShards > logicalShards) {
    return `must be >= physicalShards (${physicalShards}): every physical host holds at least one logical shard`;
  }
  return undefined;
}

/**
 * The one function that lays logical shards over physical hosts, for the stack (which creates
 * the schemas), the app (which routes queries) and the seed loader (which copies rows).
 */
export function createShardMap(logicalShards: number, physicalShards: number): ShardMap {
  const issue = shardLayoutIssue(logicalShards, physicalShards);
  if (issue) throw new RangeError(issue);
  const physicalOf = Array.from({ length: logicalShards }, (_, l) => Math.floor((l * physicalShards) / logicalShards));
  return Object.freeze({ logicalShards, physicalShards, physicalOf: Object.freeze(physicalOf) });
}

export function physicalShardOf(map: ShardMap, logicalShard: number): number {
  const host = map.physicalOf[logicalShard];
  if (host === undefined) throw new RangeError(`logical shard ${logicalShard} is not in the map (${map.logicalShards} shards)`);
  return host;
}

/** Logical shards held by one physical host. */
export function logicalShardsOn(map: ShardMap, physicalShard: number): number[] {
  const out: number[] = [];
  map.physicalOf.forEach((host, logical) => {
    if (host === physicalShard) out.push(logical);
  });
  return out;
}

/** Routing for a row owned by an ID: the logical shard is read back from the ID itself. */
export function routeId(map: ShardMap, id: bigint | string): { logicalShard: number; physicalShard: number } {
  const logicalShard = shardOfId(id);
  return { logicalShard, physicalShard: physicalShardOf(map, logicalShard) };
}

/**
 * The logical shard a new user lands on, decided once from the username (FNV-1a, 32 bit)
 * and from then on encoded in the user's ID. Pure and dependency-free so the dataset
 * generator and the service agree.
 */
export function logicalShardForUsername(username: string, logicalShards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < username.length; i++) {
    hash ^= username.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % logicalShards;
}

/** Groups IDs by the physical host that holds them, so a page of IDs costs one query per host. */
export function groupByPhysicalShard<T extends bigint | string>(map: ShardMap, ids: Iterable<T>): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const id of ids) {
    const { physicalShard } = routeId(map, id);
    let group = groups.get(physicalShard);
    if (!group) groups.set(physicalShard, (group = []));
    group.push(id);
  }
  return groups;
}
