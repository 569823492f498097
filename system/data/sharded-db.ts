import type pg from 'pg';
import { schemaName } from './ids.ts';
import { physicalShardOf, routeId, type ShardMap } from './shard-map.ts';

/** Anything that runs one SQL text: a pg.Pool, a pg.Client or a PoolClient. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** Where the rows of one logical shard live. */
export interface ShardRoute {
  logicalShard: number;
  physicalShard: number;
  /** The Postgres schema of the logical shard, e.g. `shard_0007`. */
  schema: string;
  /** The pool of the physical host (through its pgbouncer). */
  pool: pg.Pool;
}

/** Told of every query: which physical shard and how long it took. */
export type QueryObserver = (physicalShard: number, durationMs: number) => void;

/**
 * One pg.Pool per physical shard plus the shard map: routes an ID (or a logical shard) to its
 * pool and schema, and runs queries there. Queries go through `query`/`transaction` so each one
 * is counted per physical shard and timed for the request that asked (see `withObserver`).
 * Only unnamed statements are used, so it works behind pgbouncer in transaction mode.
 */
export class ShardedDb {
  readonly map: ShardMap;
  readonly pools: readonly pg.Pool[];
  /** Queries sent to each physical shard since start; shared by every scoped view. */
  readonly queryCounts: number[];
  /**
   * The read view over the shards' streaming replicas (a shard without one falls back to its
   * primary), with its own query counters; undefined when this is itself that view.
   */
  readonly replica: ShardedDb | undefined;
  readonly #observer: QueryObserver | undefined;
  /** Replica pools this instance owns and must end (primary pools reused by the view are not). */
  readonly #replicaPools: readonly pg.Pool[];

  constructor(
    map: ShardMap,
    pools: readonly pg.Pool[],
    options: { observer?: QueryObserver; queryCounts?: number[]; replicaPools?: readonly (pg.Pool | undefined)[]; replica?: ShardedDb } = {},
  ) {
    if (pools.length !== map.physicalShards) {
      throw new RangeError(`ShardedDb needs one pool per physical shard: map has ${map.physicalShards}, got ${pools.length}`);
    }
    this.map = map;
    this.pools = pools;
    this.queryCounts = options.queryCounts ?? pools.map(() => 0);
    this.#observer = options.observer;
    const replicaPools = options.replicaPools ?? [];
    if (replicaPools.length > pools.length) throw new RangeError(`ShardedDb got ${replicaPools.length} replica pools for ${pools.length} shards`);
    this.#replicaPools = replicaPools.filter((p): p is pg.Pool => p !== undefined);
    this.replica =
      options.replica ??
      (options.replicaPools ? new ShardedDb(map, pools.map((primary, i) => replicaPools[i] ?? primary), { observer: options.observer }) : undefined);
  }

  /** A view that shares pools and counters and also reports each query (replica ones too) to `observer`. */
  withObserver(observer: QueryObserver): ShardedDb {
    return new ShardedDb(this.map, this.pools, { observer, queryCounts: this.queryCounts, replica: this.replica?.withObserver(observer) });
  }

  /** Where reads that may lag the primary go: the replica view when there is one, else this. */
  forLaggingReads(useReplica: boolean): ShardedDb {
    return useReplica && this.replica ? this.replica : this;
  }

  /** Route for the rows owned by an ID: the logical shard is read back from the ID itself. */
  route(id: bigint | string): ShardRoute {
    const { logicalShard, physicalShard } = routeId(this.map, id);
    return this.#route(logicalShard, physicalShard);
  }

  routeLogical(logicalShard: number): ShardRoute {
    return this.#route(logicalShard, physicalShardOf(this.map, logicalShard));
  }

  #route(logicalShard: number, physicalShard: number): ShardRoute {
    const pool = this.pools[physicalShard];
    if (!pool) throw new RangeError(`no pool for physical shard ${physicalShard}`);
    return { logicalShard, physicalShard, schema: schemaName(logicalShard), pool };
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    physicalShard: number,
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>> {
    const pool = this.pools[physicalShard];
    if (!pool) throw new RangeError(`no pool for physical shard ${physicalShard}`);
    const startedNs = process.hrtime.bigint();
    try {
      return await pool.query<R>(text, values);
    } finally {
      this.#observe(physicalShard, startedNs);
    }
  }

  /**
   * Runs `work` inside BEGIN/COMMIT on one connection of one physical shard (a transaction
   * never spans hosts). Each statement counts as one query.
   */
  async transaction<T>(physicalShard: number, work: (client: Queryable) => Promise<T>): Promise<T> {
    const pool = this.pools[physicalShard];
    if (!pool) throw new RangeError(`no pool for physical shard ${physicalShard}`);
    const client = await pool.connect();
    const observed: Queryable = {
      query: async <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => {
        const startedNs = process.hrtime.bigint();
        try {
          return await client.query<R>(text, values);
        } finally {
          this.#observe(physicalShard, startedNs);
        }
      },
    };
    let broken = false;
    try {
      await observed.query('BEGIN');
      const result = await work(observed);
      await observed.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** Resolves when every physical shard answers `SELECT 1`; rejects with the first failure. */
  async ping(timeoutMs: number): Promise<void> {
    await Promise.all(this.pools.map((_, shard) => withTimeout(this.query(shard, 'SELECT 1'), timeoutMs, `postgres shard ${shard}`)));
  }

  /** Ends the primary pools and the replica pools this instance created. */
  async end(): Promise<void> {
    await Promise.all([...this.pools, ...this.#replicaPools].map((pool) => pool.end()));
  }

  #observe(physicalShard: number, startedNs: bigint): void {
    this.queryCounts[physicalShard] = (this.queryCounts[physicalShard] ?? 0) + 1;
    if (this.#observer) this.#observer(physicalShard, Number(process.hrtime.bigint() - startedNs) / 1e6);
  }
}

export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
