import type { EndpointResult, ErrorWindow, FaultRecord, TimelinePoint } from '../../lib/result-schema.ts';
import type { ServerMetrics } from '../../lib/server-metrics-schema.ts';
import type { AcknowledgedWrite, FailedRequest } from '../../scenarios/engines/write-log.ts';
import { UPLOAD_FLOW, UPLOAD_PUT } from '../../scenarios/engines/upload-flow.ts';
import { type ShardMap, routeId } from '../../system/data/shard-map.ts';
import type { FaultOutcome } from './fault-executor.ts';

/**
 * What a fault did to the run, from what the run recorded anyway: the failure log (error
 * window), the per-second timelines (p99 recovery), the apps' cache counters (hit-ratio
 * recovery) and the acknowledged writes (a failed-over shard's writes back). Pure: every time
 * is seconds since the start of the measured window.
 */

/** Seconds in a row a recovered series must hold, so one lucky second does not count. */
export const STABLE_SECONDS = 3;
/** A hit ratio within this fraction of its pre-fault value (relative) counts as recovered. */
export const HIT_RATIO_TOLERANCE = 0.05;
/** Pre-fault seconds looked at, at most. */
const PREFAULT_WINDOW_S = 10;

/**
 * Failed requests attributed to a fault: those that ended at or after its start and started
 * before the next fault's start, except timeouts of requests sent before it (they were already
 * slow: the fault did not cause them). A request in flight when the fault hit and failed at once
 * (a 502 from a killed instance, a reset) is the fault's, though it started before. The window
 * runs from the first to the last of their ends: when clients saw requests fail.
 */
export function errorWindowOf(failures: readonly FailedRequest[], fromS: number, untilS: number): ErrorWindow | null {
  let first = Infinity;
  let last = -Infinity;
  let failed = 0;
  const byKind: Record<string, number> = {};
  for (const f of failures) {
    if (f.endS < fromS || f.startS >= untilS) continue;
    if (f.startS < fromS && (f.kind === 'timeout' || f.kind === 'unserved')) continue;
    // The follow-up rows of a failed upload flow repeat its failure: count the request, not the flow.
    if (f.endpoint === UPLOAD_FLOW) continue;
    failed++;
    byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
    if (f.endS < first) first = f.endS;
    if (f.endS > last) last = f.endS;
  }
  if (failed === 0) return null;
  return { firstS: round3(first), lastS: round3(last), durationS: round3(last - first), failed, byKind };
}

/**
 * The busiest endpoint's p99 recovery: its pre-fault level is the highest per-second p99 of up
 * to 10 s before the fault; recovered at the start of the first of STABLE_SECONDS seconds in a
 * row at or under it, counted from the fault's start. undefined without a pre-fault second.
 */
export function p99RecoveryOf(endpoints: readonly EndpointResult[], startS: number): FaultRecord['p99Recovery'] {
  const busiest = [...endpoints]
    .filter((e) => e.timeline && e.endpoint !== UPLOAD_FLOW && e.endpoint !== UPLOAD_PUT)
    .sort((a, b) => b.ok + errorsOf(b) - (a.ok + errorsOf(a)))[0];
  if (!busiest?.timeline) return undefined;
  const timeline = busiest.timeline;
  // A point covers (tS - 1, tS]: pre-fault points end at or before the fault's start.
  const before = timeline.filter((p) => p.tS <= startS && p.tS > startS - PREFAULT_WINDOW_S && hasLatency(p));
  if (before.length === 0) return undefined;
  const prefaultP99Ms = Math.max(...before.map((p) => p.p99Ms));
  const after = timeline.filter((p) => p.tS > startS);
  let run = 0;
  for (const [i, p] of after.entries()) {
    run = hasLatency(p) && p.p99Ms <= prefaultP99Ms ? run + 1 : 0;
    if (run === STABLE_SECONDS) {
      const firstGood = after[i - STABLE_SECONDS + 1]!;
      return { endpoint: busiest.endpoint, prefaultP99Ms, recoveredAfterS: round3(Math.max(0, firstGood.tS - 1 - startS)) };
    }
  }
  return { endpoint: busiest.endpoint, prefaultP99Ms, recoveredAfterS: null };
}

/**
 * The apps' cache hit ratio (hits and misses summed over every app instance, per second) before a
 * fault and the time until it is back within HIT_RATIO_TOLERANCE of it for STABLE_SECONDS
 * seconds. `windowStartS` is the start of the measured window on the collectors' clock.
 */
export function hitRatioRecoveryOf(server: ServerMetrics | undefined, windowStartS: number, startS: number): FaultRecord['hitRatioRecovery'] {
  if (!server) return undefined;
  const buckets = new Map<number, { hits: number; misses: number }>();
  for (const app of server.apps) {
    for (const p of app.series) {
      const second = Math.ceil(p.tS - windowStartS);
      const b = buckets.get(second) ?? { hits: 0, misses: 0 };
      b.hits += p.cacheHitsPerS;
      b.misses += p.cacheMissesPerS;
      buckets.set(second, b);
    }
  }
  const seconds = [...buckets.keys()].sort((a, b) => a - b);
  const ratioAt = (s: number) => {
    const b = buckets.get(s)!;
    return b.hits + b.misses > 0 ? b.hits / (b.hits + b.misses) : null;
  };
  const before = seconds.filter((s) => s <= startS && s > startS - PREFAULT_WINDOW_S);
  let hits = 0;
  let lookups = 0;
  for (const s of before) {
    hits += buckets.get(s)!.hits;
    lookups += buckets.get(s)!.hits + buckets.get(s)!.misses;
  }
  if (lookups === 0) return undefined;
  const prefaultHitRatio = hits / lookups;
  let run = 0;
  const after = seconds.filter((s) => s > startS);
  for (const [i, s] of after.entries()) {
    const r = ratioAt(s);
    run = r !== null && r >= prefaultHitRatio * (1 - HIT_RATIO_TOLERANCE) ? run + 1 : 0;
    if (run === STABLE_SECONDS) return { prefaultHitRatio: round3(prefaultHitRatio), recoveredAfterS: round3(Math.max(0, after[i - STABLE_SECONDS + 1]! - 1 - startS)) };
  }
  return { prefaultHitRatio: round3(prefaultHitRatio), recoveredAfterS: null };
}

/** The physical shard a write request acted on (the owner of what it wrote), from its path; undefined for a sign-up. */
export function shardOfPath(map: ShardMap, path: string): number | undefined {
  const id = /\/(?:users|media)\/([0-9]+)\//.exec(path)?.[1];
  return id === undefined ? undefined : routeId(map, id).physicalShard;
}

/** The physical shard an acknowledged write landed on: the media's for likes and uploads, the follower's for follows, the user's. */
export function shardOfWrite(map: ShardMap, write: AcknowledgedWrite): number {
  return routeId(map, write.ids[0]!).physicalShard;
}

const WRITE_ENDPOINTS = new Set(['user.create', 'follow.create', 'media.like', 'upload.start', 'upload.put', 'upload.complete']);

/**
 * After a shard failover: from the fault's start to the intended start of the first acknowledged
 * write to that shard after which no write to it failed. null when none was acknowledged after it.
 */
export function writesBackAfterS(map: ShardMap, shard: number, writes: readonly AcknowledgedWrite[], failures: readonly FailedRequest[], startS: number): number | null {
  let lastFailedS = startS;
  for (const f of failures) {
    if (f.startS < startS || !WRITE_ENDPOINTS.has(f.endpoint)) continue;
    if (shardOfPath(map, f.path) === shard && f.startS > lastFailedS) lastFailedS = f.startS;
  }
  let first = Infinity;
  for (const w of writes) if (w.startS >= lastFailedS && w.startS >= startS && shardOfWrite(map, w) === shard && w.startS < first) first = w.startS;
  return first === Infinity ? null : round3(first - startS);
}

export interface EffectInputs {
  endpoints: readonly EndpointResult[];
  failures: readonly FailedRequest[];
  writes: readonly AcknowledgedWrite[];
  server?: ServerMetrics | undefined;
  /** Start of the measured window on the collectors' clock. */
  collectorsWindowStartS: number;
  shardMap: ShardMap;
}

/** The result's fault records: each outcome with its error window and recoveries. */
export function faultRecords(outcomes: readonly FaultOutcome[], inputs: EffectInputs): FaultRecord[] {
  const starts = outcomes.map((o) => o.startS ?? o.fault.atS);
  return outcomes.map((o, i) => {
    const startS = starts[i]!;
    const nextStart = Math.min(Infinity, ...starts.filter((s, j) => j !== i && s > startS));
    const record: FaultRecord = {
      kind: o.fault.kind,
      target: o.fault.target,
      services: o.services,
      plannedAtS: o.fault.atS,
      startS: round3(startS),
      endS: o.endS === null ? null : round3(o.endS),
      steps: o.steps,
      ...(o.error ? { error: o.error } : {}),
      errorWindow: o.steps.length === 0 ? null : errorWindowOf(inputs.failures, startS, nextStart),
    };
    // A fault that never took effect (not run, or its first action failed) caused nothing to measure.
    if (o.steps.length === 0) return record;
    const p99 = p99RecoveryOf(inputs.endpoints, startS);
    if (p99) record.p99Recovery = p99;
    if (/^memcached(-\d+)?$/.test(o.fault.target)) {
      const hit = hitRatioRecoveryOf(inputs.server, inputs.collectorsWindowStartS, startS);
      if (hit) record.hitRatioRecovery = hit;
    }
    if (o.fault.kind === 'shard-failover') {
      record.writesBackAfterS = writesBackAfterS(inputs.shardMap, Number(o.fault.target.slice('pg-'.length)), inputs.writes, inputs.failures, startS);
    }
    return record;
  });
}

function hasLatency(p: TimelinePoint): boolean {
  return p.count === undefined || p.count > 0;
}

function errorsOf(e: EndpointResult): number {
  return Object.values(e.errors).reduce((a, b) => a + b, 0);
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
