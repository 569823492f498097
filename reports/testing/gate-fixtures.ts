import { buildReport } from '../build-report.ts';
import type { Report } from '../report-schema.ts';
import type { RunResult } from '../../lib/result-schema.ts';
import { makeMetadata, makeRun, type EndpointFixture } from './run-fixtures.ts';

/**
 * Reports for gate tests: feed.read latencies 1.000 .. 50.995 ms in 5 us steps (10,000 samples,
 * p50 = 26 ms, p99 = 50.5 ms), each repeat scaled by its factor; media.like 100 .. 1099 us.
 */
export interface LatencyReportOptions {
  configuration?: string;
  /** One factor per repeat: every latency of that repeat is multiplied by it. */
  factors: readonly number[];
  /** Added to the slowest 2% of feed.read latencies (moves p99, leaves p50). */
  tailExtraUs?: number;
  errorsPerRepeat?: number;
  throughputRps?: number;
  generatorValid?: boolean;
  loadModel?: 'open' | 'closed';
}

export const FEED_READ_COUNT = 10_000;

export function feedReadUs(factor: number, tailExtraUs = 0): number[] {
  return Array.from({ length: FEED_READ_COUNT }, (_, i) => {
    const value = (1000 + i * 5) * factor;
    return i >= FEED_READ_COUNT * 0.98 ? value + tailExtraUs : value;
  });
}

export function latencyRuns(options: LatencyReportOptions): RunResult[] {
  const configuration = options.configuration ?? 'main';
  return options.factors.map((factor, repeat) => {
    const endpoints: EndpointFixture[] = [
      {
        endpoint: 'feed.read',
        latenciesUs: feedReadUs(factor, options.tailExtraUs),
        errors: options.errorsPerRepeat ? { status_503: options.errorsPerRepeat } : {},
        throughputRps: (options.throughputRps ?? 200) * (2 - factor),
      },
      { endpoint: 'media.like', latenciesUs: Array.from({ length: 1000 }, (_, i) => (100 + i) * factor), throughputRps: 20 },
    ];
    return makeRun({
      configuration,
      repeat,
      endpoints,
      generatorValid: options.generatorValid,
      generatorReasons: options.generatorValid === false ? ['send lag p99 90 ms'] : [],
      loadModel: options.loadModel,
    });
  });
}

export function latencyReport(options: LatencyReportOptions): Report {
  const configuration = options.configuration ?? 'main';
  return buildReport({
    configurations: [{ name: configuration, stack: {} }],
    metadata: makeMetadata(),
    runs: latencyRuns(options),
  });
}

/** Five repeats within +-1% of each other: a quiet machine. */
export const QUIET_FACTORS = [1, 1.004, 0.996, 1.008, 0.992] as const;
