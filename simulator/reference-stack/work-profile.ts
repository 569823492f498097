import { createRng } from '../../lib/random/prng.ts';
import type { Dataset } from '../../lib/dataset-types.ts';
import { HashRing } from '../../system/app/hash-ring.ts';
import { buildFeeds } from '../../system/data/seed-loader.ts';
import { createShardMap, routeId, type ShardMap } from '../../system/data/shard-map.ts';
import type { Plan } from '../../scenarios/plans/plan-schema.ts';
import { createRequestGenerator } from '../../scenarios/requests/request-generator.ts';
import { generateDataset } from '../../scenarios/workload/dataset.ts';
import { createWorkloadModel, type WorkloadModel } from '../../scenarios/workload/model.ts';
import { summarizePopulation } from '../../scenarios/workload/population.ts';
import type { Population } from '../../scenarios/workload/population-schema.ts';
import { memcachedItemBytes } from '../cache/cache-capacity.ts';
import { writeTemplate } from './endpoint-templates.ts';
import type { ReferenceStackShape } from './stack-shape.ts';
import { addUnits, type UnitCounts } from './work-units.ts';

/**
 * How much work each request class makes, measured on the workload itself rather than assumed:
 * the run's dataset (same seed, same scale), its feed lists, and its request stream are replayed
 * through a model of the cache (one LRU per memcached instance, sized from its memory, starting
 * empty like every run's stack) and the shard map. A feed read's unit counts then follow the
 * code: one LRANGE, a get per page item, a set and a row per miss, one statement per physical
 * shard holding a missed item (system/app/media-reads.ts). What this gives exactly: the hit ratio
 * with its cold start, how misses cluster in requests, and the shard skew (which shards the
 * misses land on, from the Zipf popularity of owners and the logical-to-physical map). Classes
 * other than feed.read and media.read take fixed unit counts (endpoint-templates.ts).
 *
 * The stream is drawn with `streamSeed` (the job seed when the run's own is unknown): the same
 * distribution as the run, not its exact requests.
 */
export interface WorkloadSource {
  /** Workload overrides of the run configuration (`run.workload`). */
  workload: Partial<WorkloadModel>;
  /** Dataset seed (`run.seed`). */
  seed: number;
  logicalShards: number;
}

export type TracePlan = Pick<Plan, 'mix' | 'arrival' | 'warmupS' | 'durationS'> & { targeting?: Plan['targeting'] };

export interface ClassWork {
  endpoint: string;
  /** Requests of this class per second, mean over the interval. */
  rateRps: number;
  /** Mean units per request. */
  units: UnitCounts;
  /** Mean statements per request sent to each physical shard. */
  pgQueriesByShard: number[];
  /** Mean rows per request read or written on each physical shard. */
  dbRowsByShard: number[];
  /** Mean memcached operations per request on each instance. */
  memcachedOpsByInstance: number[];
  /** Probability that a request sends at least one statement. */
  queryProbability: number;
  /** Fan-out: mean feed lists written per request by the worker, and jobs per request. */
  fanOutWrites: number;
  jobs: number;
}

export interface WorkInterval {
  /** Seconds since the start of the measured window. */
  startS: number;
  durationS: number;
  rateRps: number;
  classes: ClassWork[];
  /** memcached get hit ratio over the interval; null with the cache off. */
  cacheHitRatio: number | null;
}

export interface WorkProfile {
  /** One per step of a stepped plan inside the measured window, else one for the window. */
  intervals: WorkInterval[];
  /** The whole measured window. */
  total: WorkInterval;
  /** memcached items each instance holds at most (Infinity with room for the whole dataset). */
  cacheCapacityItems: number;
  /** Distinct cacheable objects the stream touched (the catalogue of Che's approximation). */
  distinctObjects: number;
}

export interface WorkProfileOptions {
  streamSeed?: number;
  feedPageSize?: number;
  /** Bytes one cached object occupies (its slab chunk); default from memcachedItemBytes of a typical media JSON. */
  cacheItemBytes?: number;
  /** Share of memcached's -m memory that holds items (slab pages lost to other classes, hash table); default 0.9. */
  cacheUsableFraction?: number;
}

/** A media row as JSON is ~200 bytes; its key "media:<19 digits>" 25. memcached stores it in a 304-byte chunk. */
export const DEFAULT_CACHE_ITEM_BYTES = memcachedItemBytes({ keyBytes: 25, valueBytes: 200 });
const DEFAULT_USABLE_FRACTION = 0.9;
const MEMCACHED_PORT = 11211;

interface PreparedWorkload {
  dataset: Dataset;
  population: Population;
  feeds: Map<string, string[]>;
  followers: Map<string, number>;
}

const prepared = new Map<string, PreparedWorkload>();

/** Dataset, population, feeds and follower counts of a workload; memoised (the same key gives the same bytes). */
export function prepareWorkload(source: WorkloadSource): PreparedWorkload {
  const key = JSON.stringify([source.workload, source.seed, source.logicalShards]);
  let entry = prepared.get(key);
  if (!entry) {
    const dataset = generateDataset(createWorkloadModel(source.workload), { seed: source.seed, logicalShards: source.logicalShards });
    const feeds = new Map<string, string[]>();
    for (const { userId, mediaIds } of buildFeeds(dataset, 500)) feeds.set(userId.toString(), mediaIds.map(String));
    const followers = new Map<string, number>();
    for (const f of dataset.follows) followers.set(f.followeeId.toString(), (followers.get(f.followeeId.toString()) ?? 0) + 1);
    entry = { dataset, population: summarizePopulation(dataset), feeds, followers };
    prepared.set(key, entry);
  }
  return entry;
}

/** A memcached instance: LRU over item keys with a fixed item capacity. */
class LruKeys {
  readonly #keys = new Map<string, true>();
  constructor(readonly capacity: number) {}
  /** true on a hit (and refreshes recency). */
  get(key: string): boolean {
    if (!this.#keys.has(key)) return false;
    this.#keys.delete(key);
    this.#keys.set(key, true);
    return true;
  }
  set(key: string): void {
    this.#keys.delete(key);
    this.#keys.set(key, true);
    if (this.#keys.size > this.capacity) this.#keys.delete(this.#keys.keys().next().value as string);
  }
}

interface Tally {
  requests: number;
  units: UnitCounts;
  queries: number[];
  rows: number[];
  ops: number[];
  withQuery: number;
  fanOutWrites: number;
  jobs: number;
}

function newTally(shards: number, instances: number): Tally {
  return { requests: 0, units: {}, queries: new Array(shards).fill(0), rows: new Array(shards).fill(0), ops: new Array(instances).fill(0), withQuery: 0, fanOutWrites: 0, jobs: 0 };
}

/** Time segments of the plan's arrival: [start, end) with a rate, from 0 (warm-up included). */
function segmentsOf(plan: TracePlan): Array<{ startS: number; endS: number; rateRps: number }> {
  const totalS = plan.warmupS + plan.durationS;
  if (plan.arrival.kind !== 'steps') return [{ startS: 0, endS: totalS, rateRps: plan.arrival.rateRps }];
  const out: Array<{ startS: number; endS: number; rateRps: number }> = [];
  let t = 0;
  for (const step of plan.arrival.steps) {
    out.push({ startS: t, endS: Math.min(totalS, t + step.durationS), rateRps: step.rateRps });
    t += step.durationS;
  }
  if (t < totalS) out.push({ startS: t, endS: totalS, rateRps: plan.arrival.steps[plan.arrival.steps.length - 1]!.rateRps });
  return out.filter((s) => s.endS > s.startS);
}

/**
 * Replays the plan's request stream against the workload and the stack shape, and returns the
 * unit counts per request class over the measured window (and per step).
 */
export function profileWork(source: WorkloadSource, plan: TracePlan, shape: ReferenceStackShape, options: WorkProfileOptions = {}): WorkProfile {
  // Calibration, leave-one-out and knee searches replay the same run many times: memoised.
  const key = JSON.stringify([source, plan.mix, plan.arrival, plan.warmupS, plan.durationS, plan.targeting ?? null, shape.logicalShards, shape.physicalShards, shape.cache, shape.memcachedInstances, shape.memcachedMemoryMb, shape.fanOut, options]);
  let profile = profiles.get(key);
  if (!profile) {
    if (profiles.size >= MAX_MEMOISED_PROFILES) profiles.delete(profiles.keys().next().value as string);
    profile = replayWork(source, plan, shape, options);
    profiles.set(key, profile);
  }
  return profile;
}

const profiles = new Map<string, WorkProfile>();
const MAX_MEMOISED_PROFILES = 256;

function replayWork(source: WorkloadSource, plan: TracePlan, shape: ReferenceStackShape, options: WorkProfileOptions): WorkProfile {
  const { feeds, population, followers, dataset } = prepareWorkload(source);
  const shardMap = createShardMap(shape.logicalShards, shape.physicalShards);
  const pageSize = options.feedPageSize ?? 20;
  const cacheOn = shape.cache === 'memcached';
  const instances = cacheOn ? shape.memcachedInstances : 0;
  const itemBytes = options.cacheItemBytes ?? DEFAULT_CACHE_ITEM_BYTES;
  const capacityItems = Math.floor((shape.memcachedMemoryMb * 1024 * 1024 * (options.cacheUsableFraction ?? DEFAULT_USABLE_FRACTION)) / itemBytes);
  const fitsAll = capacityItems * Math.max(1, instances) >= dataset.media.length + dataset.users.length;
  const caches = Array.from({ length: instances }, () => new LruKeys(capacityItems));
  const ring = instances > 1 ? new HashRing(Array.from({ length: instances }, (_, i) => `memcached-${i}:${MEMCACHED_PORT}`)) : null;
  const generator = createRequestGenerator({ ...plan.targeting, seed: options.streamSeed ?? source.seed, mix: plan.mix as Partial<Record<string, number>>, population, feedPageSize: pageSize });
  const rng = createRng((options.streamSeed ?? source.seed) ^ 0x5eed);
  const touched = new Set<string>();

  const windowStartS = plan.warmupS;
  const windowEndS = plan.warmupS + plan.durationS;
  const intervalTallies: Array<{ startS: number; endS: number; rateRps: number; byClass: Map<string, Tally>; hits: number; gets: number }> = [];
  const total = { startS: windowStartS, endS: windowEndS, rateRps: 0, byClass: new Map<string, Tally>(), hits: 0, gets: 0 };

  for (const segment of segmentsOf(plan)) {
    const measuredStart = Math.max(segment.startS, windowStartS);
    const measuredEnd = Math.min(segment.endS, windowEndS);
    const interval = measuredEnd > measuredStart ? { startS: measuredStart, endS: measuredEnd, rateRps: segment.rateRps, byClass: new Map<string, Tally>(), hits: 0, gets: 0 } : null;
    if (interval) intervalTallies.push(interval);
    const count = Math.round(segment.rateRps * (segment.endS - segment.startS));
    for (let i = 0; i < count; i++) {
      const atS = segment.startS + (i + rng.nextFloat()) / segment.rateRps;
      const measured = atS >= windowStartS && atS < windowEndS;
      const spec = generator.next();
      const tally = (map: Map<string, Tally>) => {
        let t = map.get(spec.endpoint);
        if (!t) map.set(spec.endpoint, (t = newTally(shape.physicalShards, instances)));
        return t;
      };
      const targets = measured && interval ? [tally(interval.byClass), tally(total.byClass)] : [];
      const lookup = (key: string, found: boolean): boolean => {
        touched.add(key);
        if (!cacheOn) return false;
        const instance = ring ? ring.indexFor(key) : 0;
        const hit = caches[instance]!.get(key);
        // A get, and a set when the miss is written back.
        for (const t of targets) t.ops[instance]! += hit || !found ? 1 : 2;
        if (measured) {
          total.gets++;
          if (interval) interval.gets++;
          if (hit) {
            total.hits++;
            if (interval) interval.hits++;
          }
        }
        if (!hit && found) caches[instance]!.set(key);
        return hit;
      };
      let units: UnitCounts = { request: 1 };
      const queried = new Set<number>();
      const readRows = (shard: number) => {
        queried.add(shard);
        for (const t of targets) t.rows[shard]! += 1;
        units = addUnits(units, { dbRow: 1 });
      };
      if (spec.endpoint === 'feed.read') {
        const userId = spec.path.split('/')[2]!;
        const page = (feeds.get(userId) ?? []).slice(0, pageSize);
        units = addUnits(units, { redisCommand: 1, memcachedOp: cacheOn ? page.length : 0 });
        let sets = 0;
        for (const mediaId of page) {
          const shard = routeId(shardMap, mediaId).physicalShard;
          if (!lookup(`media:${mediaId}`, true)) {
            readRows(shard);
            if (cacheOn) sets++;
          }
        }
        units = addUnits(units, { memcachedOp: sets });
      } else if (spec.endpoint === 'media.read') {
        const mediaId = spec.path.split('/')[2]!;
        const shard = routeId(shardMap, mediaId).physicalShard;
        units = addUnits(units, { memcachedOp: cacheOn ? 1 : 0 });
        if (!lookup(`media:${mediaId}`, true)) {
          readRows(shard);
          if (cacheOn) units = addUnits(units, { memcachedOp: 1 });
        }
      } else {
        const template = writeTemplate(spec.endpoint, { shardMap, path: spec.path, body: spec.body, followers, cacheOn, fanOut: shape.fanOut });
        units = addUnits(units, template.units);
        for (const shard of template.shards) queried.add(shard);
        for (const t of targets) {
          for (const shard of template.shards) t.queries[shard]! += template.queriesPerShard;
          for (const shard of template.shards) t.rows[shard]! += template.rowsPerShard;
          if (cacheOn && template.units.memcachedOp) t.ops[0]! += template.units.memcachedOp;
          t.fanOutWrites += template.fanOutWrites;
          t.jobs += template.jobs;
        }
      }
      if (spec.endpoint === 'feed.read' || spec.endpoint === 'media.read') {
        units = addUnits(units, { pgQuery: queried.size });
        for (const t of targets) for (const shard of queried) t.queries[shard]! += 1;
      }
      for (const t of targets) {
        t.requests++;
        t.units = addUnits(t.units, units);
        if (queried.size > 0) t.withQuery++;
      }
    }
  }
  total.rateRps = intervalTallies.reduce((a, t) => a + t.rateRps * (t.endS - t.startS), 0) / Math.max(1e-9, windowEndS - windowStartS);
  const toInterval = (t: (typeof intervalTallies)[number]): WorkInterval => {
    const durationS = t.endS - t.startS;
    return {
      startS: t.startS - windowStartS,
      durationS,
      rateRps: t.rateRps,
      cacheHitRatio: cacheOn && t.gets > 0 ? t.hits / t.gets : null,
      classes: [...t.byClass].map(([endpoint, tally]) => classWork(endpoint, tally, durationS)),
    };
  };
  return {
    intervals: intervalTallies.map(toInterval),
    total: toInterval(total),
    cacheCapacityItems: fitsAll ? Infinity : capacityItems,
    distinctObjects: touched.size,
  };
}

function classWork(endpoint: string, tally: Tally, durationS: number): ClassWork {
  const n = Math.max(1, tally.requests);
  const per = (values: number[]) => values.map((v) => v / n);
  return {
    endpoint,
    rateRps: tally.requests / durationS,
    units: Object.fromEntries(Object.entries(tally.units).map(([u, v]) => [u, v / n])) as UnitCounts,
    pgQueriesByShard: per(tally.queries),
    dbRowsByShard: per(tally.rows),
    memcachedOpsByInstance: per(tally.ops),
    queryProbability: tally.withQuery / n,
    fanOutWrites: tally.fanOutWrites / n,
    jobs: tally.jobs / n,
  };
}

/** The physical shard of an ID under a shard map (re-exported for the templates). */
export function shardOf(map: ShardMap, id: string): number {
  return routeId(map, id).physicalShard;
}
