/**
 * Work units: the countable things a request makes the servers do. A tier's CPU is a linear
 * function of the unit rates it serves (plus a background per container), so a calibration
 * measured on one mix of units predicts another mix, another shard count or another cache
 * setting: only the unit counts per request change (work-profile.ts), not the cost of a unit.
 *
 *   request        an HTTP request through nginx into an app instance (and out of the generator)
 *   memcachedOp    a get or set sent to memcached (memjs sends one per key; none with the cache off)
 *   dbRow          an object (media or user row) read from Postgres on a cache miss, or written
 *   pgQuery        a statement sent through pgbouncer
 *   redisCommand   a command Redis executes (pipelines count each command)
 *   objectStoreCall  a request to the object store (presigned PUT, HEAD on completion)
 *   fanOutWrite    one follower's feed list pushed and trimmed by a fan-out job
 *   job            a queue job run by a worker (fan-out, push)
 */
export const WORK_UNITS = ['request', 'memcachedOp', 'dbRow', 'pgQuery', 'redisCommand', 'objectStoreCall', 'fanOutWrite', 'job'] as const;
export type WorkUnit = (typeof WORK_UNITS)[number];

/** Units per request of one request class (fractional: means over requests). */
export type UnitCounts = Partial<Record<WorkUnit, number>>;

/**
 * Which units cost CPU on which tier: the structure of the cost model, fixed by what each tier
 * does (pgbouncer forwards statements, Postgres plans and reads rows, the app does everything a
 * client does). Calibration fits one cost per (tier, unit) listed here and nothing else.
 */
export const TIER_UNITS = Object.freeze({
  nginx: ['request'],
  app: ['request', 'memcachedOp', 'dbRow', 'pgQuery', 'redisCommand', 'objectStoreCall'],
  pgbouncer: ['pgQuery'],
  postgres: ['pgQuery', 'dbRow'],
  redis: ['redisCommand'],
  memcached: ['memcachedOp'],
  objectstore: ['objectStoreCall'],
  worker: ['job', 'fanOutWrite'],
  /** The load generator process: the client side of every request. */
  generator: ['request'],
  /** Docker's userland port proxy between the generator and nginx. */
  proxy: ['request'],
} as const satisfies Record<string, readonly WorkUnit[]>);
export type CostedTier = keyof typeof TIER_UNITS;
export const COSTED_TIERS = Object.keys(TIER_UNITS) as CostedTier[];

export function addUnits(a: UnitCounts, b: UnitCounts, weight = 1): UnitCounts {
  const out: UnitCounts = { ...a };
  for (const [unit, count] of Object.entries(b) as [WorkUnit, number][]) out[unit] = (out[unit] ?? 0) + weight * count;
  return out;
}
