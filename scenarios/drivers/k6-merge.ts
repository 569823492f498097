import { FeedscaleError } from '../../lib/errors.ts';
import type { EndpointResult, GeneratorHealth, RunResult } from '../../lib/result-schema.ts';
import { mergeGeneratorRuns, type GeneratorWhere } from '../engines/merge-runs.ts';
import { UPLOAD_FOLLOW_UPS } from '../k6/lib/metric-names.ts';

/**
 * One run from the summaries of its k6 runners: a k6-operator TestRun with `parallelism: N`
 * (containers/deploy/k6-testrun.ts) gives each runner pod an execution segment of the one
 * schedule, and each runner's handleSummary writes a RunResult of its own share
 * (scenarios/k6/lib/summary-to-result.ts). k6-operator does not merge them; this does. Pure.
 *
 * What is exact (what one k6 running the whole schedule would have reported):
 * - counts: sent, ok, errors by kind, dropped iterations, unserved (their sum; the split of a
 *   runner's drops over endpoints is by mix weight, as for one runner), achieved rate;
 * - latency count, min, max and mean of every endpoint.
 * What is not, and what stands in:
 * - p50, p90, p99, p99.9 of each endpoint: a k6 summary keeps only the stats of its Trends, no
 *   histogram, and percentiles of parts do not give the percentile of the whole. The merged
 *   row carries the largest runner's value, an upper bound of the true one (in each runner at
 *   least a share q of the values is at or below its q-quantile, so in the union too): a gate
 *   on it can only err towards failing. `histogram` stays '' and `exact` says so.
 * - vusMax: the sum of the runners' peaks, an upper bound of the whole's.
 * Exact percentiles need the per-request samples of every runner. A log-linear bucket counter
 * in the script cannot carry them: k6 runs each VU in its own JS runtime and handleSummary in
 * another, so nothing a VU counts in memory reaches the summary except through k6 metrics, and
 * a Counter per bucket (hundreds per endpoint at a few percent of resolution) would swamp the
 * summary and k6's metric engine. The exact routes are k6's outputs: `--out csv=` per runner
 * (µs samples, from which HDR histograms are built afterwards) or the Prometheus remote-write
 * output with K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM=true (native histograms add across
 * runners exactly at their bucket resolution). Neither is wired here: both need storage on
 * the cluster that a runner pod does not have.
 *
 * A runner's own summary judges it against the whole plan's rate (it does not know its share),
 * so each runner is judged again here against its share; the whole is judged against the plan.
 */
export interface K6RunnerResult {
  result: RunResult;
  /** Where it ran: the runner pod's name and node. */
  where: GeneratorWhere;
}

export interface MergedK6Run {
  result: RunResult;
  /** true when every latency of the merged result is exact: one runner, or runners that carried histograms. */
  exactLatency: boolean;
  /** What the merged result holds that is not exact, for the report's notes. */
  notes: string[];
}

export function mergeK6Results(runners: readonly K6RunnerResult[]): MergedK6Run {
  const first = runners[0]?.result;
  if (!first) throw new FeedscaleError('CFG_ERR_INVALID', 'no k6 runner results to merge');
  checkSameRun(runners.map((r) => r.result));
  if (runners.length === 1) return { result: first, exactLatency: first.endpoints.every(hasHistograms), notes: [] };

  const parts = runners.map((r) => ({ run: { ...r.result, generator: judgeShare(r.result) }, where: r.where }));
  // Every runner reports the whole plan's intended rate (summary-to-result.ts: the clock of the whole schedule).
  const merged = mergeGeneratorRuns(parts, { intendedRateRps: first.generator.intendedRateRps });
  const startedAt = runners.map((r) => r.result.startedAt).sort()[0] as string;
  const result: RunResult = {
    schemaVersion: first.schemaVersion,
    configuration: first.configuration,
    plan: first.plan,
    repeat: first.repeat,
    attempt: first.attempt,
    driver: first.driver,
    loadModel: first.loadModel,
    seed: first.seed,
    startedAt,
    durationS: merged.durationS,
    warmupS: merged.warmupS,
    timeoutMs: merged.timeoutMs,
    generator: merged.generator,
    ...(merged.generators ? { generators: merged.generators } : {}),
    endpoints: merged.endpoints,
    ...(merged.steps ? { steps: merged.steps } : {}),
  };
  const exactLatency = result.endpoints.every(hasHistograms);
  const notes = exactLatency
    ? []
    : [
        `merged from ${runners.length} k6 runners: counts, min, max and mean are exact; p50..p99.9 are the largest runner's (an upper bound of the whole's: k6 summaries keep no histogram)`,
      ];
  return { result, exactLatency, notes };
}

function hasHistograms(e: EndpointResult): boolean {
  return (e.fromIntended.percentiles.count === 0 || e.fromIntended.histogram !== '') && (e.fromSend.percentiles.count === 0 || e.fromSend.histogram !== '');
}

/** Runners of one TestRun agree on what they ran; anything else is not one run. */
function checkSameRun(results: readonly RunResult[]): void {
  const first = results[0] as RunResult;
  const key = (r: RunResult) =>
    JSON.stringify([r.schemaVersion, r.driver, r.configuration, r.plan, r.repeat, r.attempt, r.seed, r.durationS, r.warmupS, r.timeoutMs, r.generator.intendedRateRps]);
  results.forEach((r, i) => {
    if (r.driver !== 'k6') throw new FeedscaleError('CFG_ERR_INVALID', `runner result ${i} comes from driver ${r.driver}, not k6`);
    if (key(r) !== key(first)) {
      throw new FeedscaleError(
        'CFG_ERR_INVALID',
        `runner result ${i} is not from the same run as result 0 (plan, configuration, repeat, attempt, seed, window, timeout and intended rate must agree)`,
      );
    }
  });
}

/**
 * A runner's health against its own share: its measured requests (sent + dropped) per second
 * are what it was handed, and every drop is the generator's failure, as for one k6.
 */
function judgeShare(r: RunResult): GeneratorHealth {
  const h = r.generator;
  const dropped = h.k6?.droppedIterations ?? 0;
  const scheduled = r.endpoints.filter((e) => !(UPLOAD_FOLLOW_UPS as readonly string[]).includes(e.endpoint));
  const intended = scheduled.reduce((sum, e) => sum + e.intended, 0);
  const reasons = dropped > 0 ? [`k6 dropped ${dropped} iteration(s): no VU was free to start them, so planned demand went unsent`] : [];
  return { ...h, intendedRateRps: r.durationS > 0 ? intended / r.durationS : 0, valid: reasons.length === 0, reasons };
}
