import type { EndpointResult, RunResult } from '../../lib/result-schema.ts';
import type { Percentiles } from '../../lib/percentiles-schema.ts';
import { RepeatLatencies } from './repeat-latencies.ts';

/** What a statistic measures of one configuration x endpoint. Latency is from intended start. */
export type Metric = { kind: 'latency'; percentile: number } | { kind: 'error_rate' } | { kind: 'throughput' };

/**
 * A statistic over the repeats of one configuration x endpoint that can be recomputed with each
 * repeat counted a chosen number of times: the unit a repeat bootstrap resamples.
 */
export interface RepeatStatistic {
  /** Repeat numbers, in ascending order; multiplicities align with them. */
  readonly repeats: readonly number[];
  /** The statistic with repeat i counted multiplicities[i] times (default: once each). */
  value(multiplicities?: readonly number[]): number;
}

export type StatisticResult = { ok: true; statistic: RepeatStatistic } | { ok: false; reason: string };

export interface Measured {
  run: RunResult;
  result: EndpointResult;
}

/** Runs of `configuration` that measured `endpoint`, in repeat order. */
export function measurementsOf(runs: readonly RunResult[], configuration: string, endpoint: string): Measured[] {
  const out: Measured[] = [];
  for (const run of runs) {
    if (run.configuration !== configuration) continue;
    const result = run.endpoints.find((e) => e.endpoint === endpoint);
    if (result) out.push({ run, result });
  }
  return out.sort((a, b) => a.run.repeat - b.run.repeat);
}

/** A histogram is '' when the driver could not export one (k6). */
export function hasHistograms(measured: readonly Measured[]): boolean {
  return measured.every((m) => m.result.fromIntended.histogram !== '');
}

/** Percentiles every run carries even without a histogram. */
const STORED_PERCENTILES: ReadonlyMap<number, keyof Percentiles> = new Map([
  [50, 'p50Ms'],
  [90, 'p90Ms'],
  [99, 'p99Ms'],
  [99.9, 'p999Ms'],
]);

export function metricLabel(metric: Metric): string {
  if (metric.kind === 'latency') return `p(${metric.percentile})`;
  return metric.kind;
}

/**
 * The statistic of `metric` over `measured` (one configuration x endpoint):
 * - latency: the percentile of all samples (histograms merged, repeats weighted by multiplicity);
 *   without histograms, the multiplicity-weighted mean of the per-repeat percentile (the same
 *   value the summary row shows when histogramsMerged is false);
 * - error_rate: failed / sent over the repeats;
 * - throughput: mean of the per-repeat throughput.
 */
export function statisticOf(measured: readonly Measured[], metric: Metric): StatisticResult {
  if (measured.length === 0) return { ok: false, reason: 'not measured' };
  const repeats = measured.map((m) => m.run.repeat);
  const weightOf = (multiplicities: readonly number[] | undefined, i: number) => multiplicities?.[i] ?? 1;
  const weightedMean = (pick: (m: Measured) => number) => ({
    repeats,
    value(multiplicities?: readonly number[]) {
      let sum = 0;
      let weights = 0;
      measured.forEach((m, i) => {
        sum += pick(m) * weightOf(multiplicities, i);
        weights += weightOf(multiplicities, i);
      });
      return weights === 0 ? 0 : sum / weights;
    },
  });
  switch (metric.kind) {
    case 'throughput':
      return { ok: true, statistic: weightedMean((m) => m.result.throughputRps) };
    case 'error_rate': {
      const failed = measured.map((m) => Object.values(m.result.errors).reduce((a, b) => a + b, 0));
      return {
        ok: true,
        statistic: {
          repeats,
          value(multiplicities?: readonly number[]) {
            let errors = 0;
            let sent = 0;
            measured.forEach((m, i) => {
              errors += failed[i]! * weightOf(multiplicities, i);
              sent += m.result.sent * weightOf(multiplicities, i);
            });
            return sent === 0 ? 0 : errors / sent;
          },
        },
      };
    }
    case 'latency': {
      const { percentile } = metric;
      if (hasHistograms(measured)) {
        let latencies: RepeatLatencies | undefined;
        return {
          ok: true,
          statistic: {
            repeats,
            value(multiplicities?: readonly number[]) {
              latencies ??= RepeatLatencies.fromEncoded(measured.map((m) => m.result.fromIntended.histogram));
              return latencies.percentileMs(percentile, multiplicities);
            },
          },
        };
      }
      const key = STORED_PERCENTILES.get(percentile);
      if (!key) {
        const drivers = [...new Set(measured.filter((m) => m.result.fromIntended.histogram === '').map((m) => m.run.driver))].join(', ');
        return { ok: false, reason: `p(${percentile}) needs histograms and the ${drivers} runs exported none (only p50, p90, p99 and p99.9 are stored)` };
      }
      return { ok: true, statistic: weightedMean((m) => m.result.fromIntended.percentiles[key]) };
    }
  }
}
