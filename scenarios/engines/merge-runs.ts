import { encodeHistogram, mergeEncoded, toLatency } from '../../lib/histogram.ts';
import type { EndpointResult, GeneratorHealth, GeneratorInstance, Latency, StepEndpointResult, StepResult, TimelinePoint } from '../../lib/result-schema.ts';
import type { Percentiles } from '../../lib/percentiles-schema.ts';
import { assessGeneratorHealth } from './generator-health.ts';
import type { EngineRun } from './run-result.ts';
import { UPLOAD_COMPLETE, UPLOAD_FLOW, UPLOAD_PUT } from './upload-flow.ts';
import { type WriteLogData, mergeWriteLogs } from './write-log.ts';

/**
 * Merging the runs of W load generators that split one schedule (generator-pool.ts, and k6
 * runners: scenarios/drivers/k6-merge.ts) into the run of the whole. Pure.
 *
 * Exact (the merged value is what one generator recording every request would have recorded,
 * bit for bit where it is a histogram):
 * - counts: intended, sent, ok, errors by kind, unserved, response bytes, per step too;
 * - latency histograms (fromIntended, fromSend, per step): HDR counts add (lib/histogram.ts
 *   mergeEncoded), so every percentile read from the merged histogram is the single
 *   generator's; percentiles are never averaged;
 * - timeline counts, errors and rps per second; rates (intended, achieved, completed) add, as
 *   the counts they are (rate x window, rounded), so the sum is the single generator's number;
 * - min and max latency: the parts' own (recorded values, not bucket bounds).
 * Not exact, because the parts keep no histogram of them; each is an upper bound (in every
 * part at least a share q of the values lies at or below that part's q-quantile, so in the
 * union too, so the union's q-quantile is at most the largest part's):
 * - per-second p50/p99 of the timeline: the largest of the parts' (charts only);
 * - send-lag p99/p99.9 and event-loop delay of the whole: the largest generator's (each
 *   generator is judged on its own anyway);
 * - latency percentiles of parts without a histogram (k6): count, min, max and mean are exact,
 *   p50..p99.9 the largest part's; the merged row then has no histogram either.
 * `cpuCoreFraction` of the whole is the busiest generator's: the limit is per core.
 */

/** Rows that are not scheduled requests (open-loop-engine.ts; k6 names its follow-ups the same). */
const FOLLOW_UP_ROWS: ReadonlySet<string> = new Set([UPLOAD_FLOW, UPLOAD_PUT, UPLOAD_COMPLETE]);

/** Where one generator ran, for GeneratorInstance. */
export interface GeneratorWhere {
  host: string;
  pid?: number;
  /** A k6 runner's name (its pod), or another label of the generator. */
  name?: string;
  /** How late it began its share of the schedule after the common start (caught up as send lag). */
  startLagMs?: number;
}

export interface GeneratorPart {
  run: EngineRun;
  where: GeneratorWhere;
}

export interface MergeOptions {
  /**
   * The whole run's intended rate when the parts' do not add up to it: a k6 runner reports the
   * whole plan's. Default: the sum of the parts'.
   */
  intendedRateRps?: number;
}

/** Latency of parts merged: exactly through the histograms when every part with values has one. */
export function mergeLatency(parts: readonly Latency[]): { latency: Latency; exact: boolean } {
  if (parts.length === 1) return { latency: parts[0] as Latency, exact: parts[0]!.histogram !== '' || parts[0]!.percentiles.count === 0 };
  const withValues = parts.filter((p) => p.percentiles.count > 0);
  if (withValues.every((p) => p.histogram !== '')) {
    const latency = toLatency(mergeEncoded(withValues.map((p) => p.histogram)));
    // A decoded histogram knows min and max only to its bucket; the parts' own are the recorded values.
    if (withValues.length > 0) {
      latency.percentiles.minMs = Math.min(...withValues.map((p) => p.percentiles.minMs));
      latency.percentiles.maxMs = Math.max(...withValues.map((p) => p.percentiles.maxMs));
    }
    return { latency, exact: true };
  }
  const count = withValues.reduce((sum, p) => sum + p.percentiles.count, 0);
  if (count === 0) return { latency: { percentiles: emptyPercentiles(), histogram: '' }, exact: true };
  const upper = (key: keyof Percentiles) => Math.max(...withValues.map((p) => p.percentiles[key]));
  return {
    latency: {
      percentiles: {
        count,
        minMs: Math.min(...withValues.map((p) => p.percentiles.minMs)),
        meanMs: withValues.reduce((sum, p) => sum + p.percentiles.meanMs * p.percentiles.count, 0) / count,
        p50Ms: upper('p50Ms'),
        p90Ms: upper('p90Ms'),
        p99Ms: upper('p99Ms'),
        p999Ms: upper('p999Ms'),
        maxMs: upper('maxMs'),
      },
      histogram: '',
    },
    exact: false,
  };
}

function emptyPercentiles(): Percentiles {
  return { count: 0, minMs: 0, meanMs: 0, p50Ms: 0, p90Ms: 0, p99Ms: 0, p999Ms: 0, maxMs: 0 };
}

/** Per-second points of several parts, by interval: counts add, percentiles take the largest (an upper bound). */
export function mergeTimelines(series: readonly (readonly TimelinePoint[] | undefined)[]): TimelinePoint[] | undefined {
  const present = series.filter((s): s is readonly TimelinePoint[] => s !== undefined);
  if (present.length === 0) return undefined;
  if (present.length === 1) return [...(present[0] as readonly TimelinePoint[])];
  const length = Math.max(...present.map((s) => s.length));
  const out: TimelinePoint[] = [];
  for (let i = 0; i < length; i++) {
    const points = present.map((s) => s[i]).filter((p): p is TimelinePoint => p !== undefined);
    const point: TimelinePoint = {
      tS: (points[0] as TimelinePoint).tS,
      p99Ms: Math.max(...points.map((p) => p.p99Ms)),
      rps: points.reduce((sum, p) => sum + p.rps, 0),
    };
    if (points.some((p) => p.count !== undefined)) point.count = points.reduce((sum, p) => sum + (p.count ?? 0), 0);
    if (points.some((p) => p.errors !== undefined)) point.errors = points.reduce((sum, p) => sum + (p.errors ?? 0), 0);
    if (points.some((p) => p.p50Ms !== undefined)) point.p50Ms = Math.max(...points.map((p) => p.p50Ms ?? 0));
    out.push(point);
  }
  return out;
}

function byName<T extends { endpoint: string }>(lists: readonly (readonly T[])[]): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const list of lists) for (const row of list) groups.set(row.endpoint, [...(groups.get(row.endpoint) ?? []), row]);
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

const sum = <T>(rows: readonly T[], of: (row: T) => number): number => rows.reduce((total, row) => total + of(row), 0);

/** Endpoint rows of the parts, merged by endpoint name (sorted, as the recorder sorts them). */
export function mergeEndpoints(parts: readonly (readonly EndpointResult[])[], durationS: number): EndpointResult[] {
  return byName(parts).map(([endpoint, rows]) => {
    if (rows.length === 1) return rows[0] as EndpointResult;
    const errors: Record<string, number> = {};
    for (const row of rows) for (const [kind, n] of Object.entries(row.errors)) errors[kind] = (errors[kind] ?? 0) + n;
    const ok = sum(rows, (r) => r.ok);
    const fromSend = mergeLatency(rows.map((r) => r.fromSend)).latency;
    // Mixed origins cannot be merged into one "from intended" histogram: fall back to the weaker claim.
    const fromIntendedAll = rows.every((r) => r.latencyFrom === 'intended');
    const merged: EndpointResult = {
      endpoint,
      intended: sum(rows, (r) => r.intended),
      sent: sum(rows, (r) => r.sent),
      ok,
      errors,
      unserved: sum(rows, (r) => r.unserved),
      throughputRps: durationS > 0 ? ok / durationS : 0,
      fromIntended: fromIntendedAll ? mergeLatency(rows.map((r) => r.fromIntended)).latency : fromSend,
      latencyFrom: fromIntendedAll ? 'intended' : 'send',
      fromSend,
    };
    if (rows.some((r) => r.responseBytes !== undefined)) merged.responseBytes = sum(rows, (r) => r.responseBytes ?? 0);
    const timeline = mergeTimelines(rows.map((r) => r.timeline));
    if (timeline) merged.timeline = timeline;
    return merged;
  });
}

/** Failed requests of a step row: its errorRate is (failed + unserved) / (sent + unserved), of whole numbers. */
function failedOf(row: StepEndpointResult): number {
  const unserved = row.unserved ?? 0;
  return Math.round(row.errorRate * (row.sent + unserved)) - unserved;
}

/** Steps of the parts, step by step (the parts ran the same plan, so the same steps). */
export function mergeSteps(parts: readonly (readonly StepResult[])[], labels: readonly string[]): StepResult[] {
  const first = parts[0] ?? [];
  return first.map((step, i) => {
    const same = parts.map((p) => p[i]).filter((s): s is StepResult => s !== undefined);
    const endpoints = byName(same.map((s) => s.endpoints)).map(([endpoint, rows]): StepEndpointResult => {
      if (rows.length === 1) return rows[0] as StepEndpointResult;
      const sent = sum(rows, (r) => r.sent);
      const unserved = sum(rows, (r) => r.unserved ?? 0);
      const failed = sum(rows, failedOf);
      const histograms = rows.map((r) => r.histogram).filter((h): h is string => h !== undefined);
      const histogram = histograms.length === rows.length ? mergeEncoded(histograms) : undefined;
      const out: StepEndpointResult = {
        endpoint,
        p99Ms: histogram ? (histogram.totalCount > 0 ? histogram.getValueAtPercentile(99) / 1000 : 0) : Math.max(...rows.map((r) => r.p99Ms)),
        errorRate: sent + unserved > 0 ? (failed + unserved) / (sent + unserved) : 0,
        sent,
        ok: sum(rows, (r) => r.ok),
      };
      if (rows.some((r) => r.unserved !== undefined)) out.unserved = unserved;
      if (histogram) out.histogram = encodeHistogram(histogram);
      return out;
    });
    const merged: StepResult = { rateRps: step.rateRps, startS: step.startS, durationS: step.durationS, endpoints };
    const health = same.map((s, w) => ({ generator: s.generator, label: labels[w] ?? `generator ${w}` }));
    if (health.some((h) => h.generator !== undefined)) {
      const judged = health.filter((h) => h.generator !== undefined) as { generator: NonNullable<StepResult['generator']>; label: string }[];
      merged.generator = {
        sendLagP99Ms: Math.max(...judged.map((h) => h.generator.sendLagP99Ms)),
        sendLagP999Ms: Math.max(...judged.map((h) => h.generator.sendLagP999Ms)),
        valid: judged.every((h) => h.generator.valid),
        reasons: judged.flatMap((h) => (parts.length === 1 ? h.generator.reasons : h.generator.reasons.map((r) => `${h.label}: ${r}`))),
      };
    }
    return merged;
  });
}

/** "generator 1 of 2 (pid 4242 on host-a)": how a reason names the generator it is about. */
export function generatorLabel(index: number, count: number, where: GeneratorWhere): string {
  const at = [where.name, where.pid !== undefined ? `pid ${where.pid}` : undefined].filter((s) => s !== undefined).join(', ');
  return `generator ${index} of ${count} (${at ? `${at} on ` : ''}${where.host})`;
}

/**
 * The whole's health: valid only when every generator was valid and the whole sent what the
 * whole schedule asked for (achieved over intended of the sums, unserved excluded as for one
 * generator). Each generator's own reasons come along, prefixed with its label.
 */
export function mergeGeneratorHealth(parts: readonly GeneratorPart[], unservedRateRps: number, options: MergeOptions = {}): GeneratorHealth {
  const healths = parts.map((p) => p.run.generator);
  const labels = parts.map((p, i) => generatorLabel(i, parts.length, p.where));
  const durationS = parts[0]?.run.durationS ?? 0;
  // Each rate is a count over the window (open-loop-engine.ts, summary-to-result.ts): add the counts.
  const rateSum = (of: (h: GeneratorHealth) => number) =>
    durationS > 0 ? sum(healths, (h) => Math.round(of(h) * durationS)) / durationS : sum(healths, of);
  const intendedRateRps = options.intendedRateRps ?? rateSum((h) => h.intendedRateRps);
  const achievedRateRps = rateSum((h) => h.achievedRateRps);
  const completedRateRps = rateSum((h) => h.completedRateRps);
  // Only the rate rule is judged on the whole; the per-core rules were judged per generator.
  const whole = assessGeneratorHealth({
    cpuCoreFraction: 0,
    eventLoopDelayP99Ms: 0,
    eventLoopDelayMaxMs: 0,
    sendLagP99Ms: 0,
    sendLagP999Ms: 0,
    intendedRateRps,
    achievedRateRps,
    unservedRateRps,
    completedRateRps,
  });
  const reasons = [...whole.reasons.map((r) => `all ${parts.length} generators: ${r}`), ...healths.flatMap((h, i) => h.reasons.map((r) => `${labels[i]}: ${r}`))];
  const max = (of: (h: GeneratorHealth) => number) => Math.max(...healths.map(of));
  const merged: GeneratorHealth = {
    cpuCoreFraction: max((h) => h.cpuCoreFraction),
    eventLoopDelayP99Ms: max((h) => h.eventLoopDelayP99Ms),
    eventLoopDelayMaxMs: max((h) => h.eventLoopDelayMaxMs),
    intendedRateRps,
    achievedRateRps,
    sendLagP99Ms: max((h) => h.sendLagP99Ms),
    sendLagP999Ms: max((h) => h.sendLagP999Ms),
    completedRateRps,
    valid: whole.valid && healths.every((h) => h.valid),
    reasons,
  };
  const k6 = healths.map((h) => h.k6).filter((k): k is NonNullable<GeneratorHealth['k6']> => k !== undefined);
  if (k6.length > 0) {
    merged.k6 = {
      droppedIterations: sum(k6, (k) => k.droppedIterations),
      // Peaks of different runners need not coincide: the sum bounds the whole's peak from above.
      vusMax: sum(k6, (k) => k.vusMax),
      vusAllowed: Math.max(...k6.map((k) => k.vusAllowed)),
    };
  }
  return merged;
}

/** Each part's health with where it ran: RunResult.generators. */
export function generatorInstances(parts: readonly GeneratorPart[]): GeneratorInstance[] {
  return parts.map((p, index) => ({
    index,
    host: p.where.host,
    ...(p.where.pid !== undefined ? { pid: p.where.pid } : {}),
    ...(p.where.name !== undefined ? { name: p.where.name } : {}),
    ...(p.where.startLagMs !== undefined ? { startLagMs: p.where.startLagMs } : {}),
    health: p.run.generator,
  }));
}

/**
 * The run of the whole from the runs of its generators, in generator order (part w sent arrivals
 * i ≡ w mod W). The parts must have run the same plan (same window, timeout, driver).
 */
export function mergeGeneratorRuns(parts: readonly GeneratorPart[], options: MergeOptions = {}): EngineRun {
  const first = parts[0];
  if (!first) throw new RangeError('mergeGeneratorRuns needs at least one part');
  for (const [i, p] of parts.entries()) {
    const r = p.run;
    if (r.durationS !== first.run.durationS || r.warmupS !== first.run.warmupS || r.timeoutMs !== first.run.timeoutMs || r.driver !== first.run.driver || r.loadModel !== first.run.loadModel) {
      throw new RangeError(`generator ${i} ran a different plan (window, timeout or driver) than generator 0: its run cannot be merged`);
    }
  }
  const { durationS } = first.run;
  const endpoints = mergeEndpoints(parts.map((p) => p.run.endpoints), durationS);
  // Unserved of the scheduled rows only: the upload flow's row repeats its starts'.
  const unserved = sum(endpoints.filter((e) => !FOLLOW_UP_ROWS.has(e.endpoint)), (e) => e.unserved);
  const labels = parts.map((p, i) => generatorLabel(i, parts.length, p.where));
  const stepParts = parts.map((p) => p.run.steps).filter((s): s is StepResult[] => s !== undefined);
  const logs = parts.map((p) => p.run.writeLog).filter((l): l is WriteLogData => l !== undefined);
  return {
    driver: first.run.driver,
    loadModel: first.run.loadModel,
    durationS,
    warmupS: first.run.warmupS,
    timeoutMs: first.run.timeoutMs,
    generator: mergeGeneratorHealth(parts, durationS > 0 ? unserved / durationS : 0, options),
    endpoints,
    ...(stepParts.length > 0 ? { steps: mergeSteps(stepParts, labels) } : {}),
    generators: generatorInstances(parts),
    ...(logs.length > 0 ? { writeLog: mergeWriteLogs(logs) } : {}),
  };
}
