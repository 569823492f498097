import { formatBytes, formatPercent, formatQuantity } from '../render/format.ts';
import type { Metric, ServerSummary } from '../server-summary-schema.ts';
import {
  FLOOR,
  HIT_RATIO_NOTABLE_POINTS,
  POOL_WAITING_NOTABLE_CLIENTS,
  QUEUE_DEPTH_NOTABLE_JOBS,
  RELATIVE_NOTABLE_CHANGE,
  SKEW_NOTABLE_DELTA,
  WAIT_RELATIVE_NOTABLE_CHANGE,
  type Rule,
} from './attribution-rules.ts';
import { kindLabel } from './service-kind.ts';

/** One quantity of a ServerSummary that attribution compares, with its rule and its sentence. */
export interface Quantity {
  /** Stable id, as AttributionItem.metric. */
  metric: string;
  rule: Rule;
  /** "cache hit ratio 0.0% vs 73.4%": candidate first. */
  sentence: (candidate: number, baseline: number) => string;
  pick: (s: ServerSummary) => Metric | undefined;
}

/** "+40%", "-12%"; a change from 0 has no percentage. */
function change(candidate: number, baseline: number): string {
  if (baseline === 0) return candidate === 0 ? '±0%' : 'from 0';
  const pct = ((candidate - baseline) / baseline) * 100;
  return `${pct >= 0 ? '+' : ''}${Math.abs(pct) >= 10 ? pct.toFixed(0) : pct.toFixed(1)}%`;
}

function relativeSentence(label: string, format: (v: number) => string, unit = '') {
  return (c: number, b: number) => `${label} ${change(c, b)} (${format(c)} vs ${format(b)}${unit})`;
}

const skewSentence = (label: string) => (c: number, b: number) => `${label} ${c.toFixed(2)}x vs ${b.toFixed(2)}x`;

const rel = (change: number, floor: number): Rule => ({ kind: 'relative', change, floor });

/** The quantities every stack may have; container kinds and queues are added per comparison. */
const FIXED_QUANTITIES: readonly Quantity[] = [
  { metric: 'cache.hitRatio', rule: { kind: 'absolute', step: HIT_RATIO_NOTABLE_POINTS }, sentence: (c, b) => `cache hit ratio ${formatPercent(c)} vs ${formatPercent(b)}`, pick: (s) => s.cache?.hitRatio },
  { metric: 'pgbouncer.clientsWaitingMax', rule: { kind: 'absolute', step: POOL_WAITING_NOTABLE_CLIENTS }, sentence: (c, b) => `pgbouncer clients waiting: max ${formatQuantity(c)} vs ${formatQuantity(b)}`, pick: (s) => s.pgbouncer?.clientsWaitingMax },
  { metric: 'pgbouncer.maxWaitMs', rule: rel(WAIT_RELATIVE_NOTABLE_CHANGE, FLOOR.maxWaitMs), sentence: (c, b) => `pgbouncer longest client wait ${formatQuantity(c)} vs ${formatQuantity(b)} ms`, pick: (s) => s.pgbouncer?.maxWaitMs },
  { metric: 'pgbouncer.waitPerXactMs', rule: rel(WAIT_RELATIVE_NOTABLE_CHANGE, FLOOR.waitMs), sentence: (c, b) => `pgbouncer wait per transaction ${formatQuantity(c)} vs ${formatQuantity(b)} ms`, pick: (s) => s.pgbouncer?.waitPerXactMs },
  { metric: 'postgres.xactPerS', rule: rel(RELATIVE_NOTABLE_CHANGE, FLOOR.ratePerS), sentence: relativeSentence('Postgres transactions', formatQuantity, '/s'), pick: (s) => s.postgres?.xactPerS },
  { metric: 'postgres.tupFetchedPerS', rule: rel(RELATIVE_NOTABLE_CHANGE, FLOOR.tuplesPerS), sentence: relativeSentence('Postgres tuples fetched', formatQuantity, '/s'), pick: (s) => s.postgres?.tupFetchedPerS },
  { metric: 'postgres.shardSkew', rule: { kind: 'absolute', step: SKEW_NOTABLE_DELTA }, sentence: skewSentence('shard skew (busiest shard / mean)'), pick: (s) => s.postgres?.shardSkew },
  { metric: 'redis.opsPerS', rule: rel(RELATIVE_NOTABLE_CHANGE, FLOOR.ratePerS), sentence: relativeSentence('Redis ops', formatQuantity, '/s'), pick: (s) => s.redis?.opsPerS },
  { metric: 'redis.memoryBytes', rule: rel(RELATIVE_NOTABLE_CHANGE, FLOOR.memoryBytes), sentence: relativeSentence('Redis memory', formatBytes), pick: (s) => s.redis?.memoryBytes },
  { metric: 'nginx.upstreamMeanMs', rule: rel(RELATIVE_NOTABLE_CHANGE, FLOOR.upstreamMs), sentence: relativeSentence('app time behind nginx (mean)', formatQuantity, ' ms'), pick: (s) => s.nginx?.upstreamMeanMs },
  { metric: 'nginx.upstreamTimeSkew', rule: { kind: 'absolute', step: SKEW_NOTABLE_DELTA }, sentence: skewSentence('app instance skew (slowest / mean upstream time)'), pick: (s) => s.nginx?.upstreamTimeSkew },
  { metric: 'nginx.requestSkew', rule: { kind: 'absolute', step: SKEW_NOTABLE_DELTA }, sentence: skewSentence('app instance load skew (busiest / mean requests)'), pick: (s) => s.nginx?.requestSkew },
  { metric: 'apps.cpuCores', rule: rel(RELATIVE_NOTABLE_CHANGE, FLOOR.cpuCores), sentence: relativeSentence('app CPU', formatQuantity, ' cores'), pick: (s) => s.apps?.cpuCores },
  { metric: 'apps.eventLoopLagP99MsMax', rule: rel(WAIT_RELATIVE_NOTABLE_CHANGE, FLOOR.eventLoopLagMs), sentence: relativeSentence('app event-loop delay p99', formatQuantity, ' ms'), pick: (s) => s.apps?.eventLoopLagP99MsMax },
];

/** What to compare between two summaries: the fixed quantities, then each container kind and queue either side has. */
export function quantitiesFor(baseline: ServerSummary, candidate: ServerSummary): Quantity[] {
  const out = [...FIXED_QUANTITIES];
  // Container CPU per service kind; the app's own CPU counter already speaks for the app containers.
  const appCpuKnown = baseline.apps?.cpuCores !== undefined && candidate.apps?.cpuCores !== undefined;
  const kinds = [...new Set([...(baseline.containers ?? []), ...(candidate.containers ?? [])].map((c) => c.kind))].sort();
  for (const kind of kinds) {
    if (kind === 'app' && appCpuKnown) continue;
    const pick = (s: ServerSummary) => s.containers?.find((c) => c.kind === kind)?.cpuPercent;
    out.push({ metric: `containers.${kind}.cpuPercent`, rule: rel(RELATIVE_NOTABLE_CHANGE, FLOOR.cpuPercent), sentence: relativeSentence(`${kindLabel(kind)} CPU`, formatQuantity, '% of a core'), pick });
  }
  const queues = [...new Set([...(baseline.queues ?? []), ...(candidate.queues ?? [])].map((q) => q.queue))].sort();
  for (const queue of queues) {
    const of = (s: ServerSummary) => s.queues?.find((q) => q.queue === queue);
    out.push({ metric: `queues.${queue}.depthMax`, rule: { kind: 'absolute', step: QUEUE_DEPTH_NOTABLE_JOBS }, sentence: (c, b) => `${queue} queue depth: max ${formatQuantity(c)} vs ${formatQuantity(b)} jobs`, pick: (s) => of(s)?.depthMax });
    out.push({ metric: `queues.${queue}.lagMs`, rule: rel(WAIT_RELATIVE_NOTABLE_CHANGE, FLOOR.queueLagMs), sentence: relativeSentence(`${queue} queue lag`, formatQuantity, ' ms'), pick: (s) => of(s)?.lagMs });
  }
  return out;
}
