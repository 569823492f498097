import type { BuildReportInput } from '../build-report.ts';
import { createLatencyHistogram, recordUs, toLatency } from '../histogram.ts';
import type { ReportMetadata } from '../report-schema.ts';
import { RESULT_SCHEMA_VERSION, type EndpointResult, type RunResult } from '../result-schema.ts';

/**
 * Test inputs built the way drivers build them: real HDR histograms from known latencies,
 * so that every percentile a test asserts on can be worked out by hand.
 */
export interface EndpointFixture {
  endpoint: string;
  /** Every latency of the run, in microseconds (recorded as both fromIntended and fromSend unless fromSendUs is given). */
  latenciesUs: readonly number[];
  fromSendUs?: readonly number[];
  throughputRps?: number;
  errors?: Record<string, number>;
  unserved?: number;
}

export interface RunFixture {
  configuration: string;
  repeat?: number;
  plan?: string;
  loadModel?: 'open' | 'closed';
  driver?: RunResult['driver'];
  generatorValid?: boolean;
  generatorReasons?: string[];
  endpoints: readonly EndpointFixture[];
}

/** `count` latencies from `fromUs` upward in steps of `stepUs`. */
export function rampUs(fromUs: number, count: number, stepUs = 1): number[] {
  return Array.from({ length: count }, (_, i) => fromUs + i * stepUs);
}

function latencyOf(valuesUs: readonly number[]) {
  const histogram = createLatencyHistogram();
  for (const v of valuesUs) recordUs(histogram, v);
  return toLatency(histogram);
}

function endpointResult(e: EndpointFixture): EndpointResult {
  const errorsCount = Object.values(e.errors ?? {}).reduce((a, b) => a + b, 0);
  const sent = e.latenciesUs.length + errorsCount;
  return {
    endpoint: e.endpoint,
    intended: sent + (e.unserved ?? 0),
    sent,
    ok: e.latenciesUs.length,
    errors: e.errors ?? {},
    unserved: e.unserved ?? 0,
    throughputRps: e.throughputRps ?? 100,
    fromIntended: latencyOf(e.latenciesUs),
    fromSend: latencyOf(e.fromSendUs ?? e.latenciesUs),
  };
}

export function makeRun(f: RunFixture): RunResult {
  const valid = f.generatorValid ?? true;
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    configuration: f.configuration,
    plan: f.plan ?? 'feed-read',
    repeat: f.repeat ?? 0,
    driver: f.driver ?? (f.loadModel === 'closed' ? 'autocannon' : 'open-loop'),
    loadModel: f.loadModel ?? 'open',
    seed: 42,
    startedAt: '2011-12-01T12:00:00.000Z',
    durationS: 10,
    warmupS: 2,
    generator: {
      cpuCoreFraction: valid ? 0.4 : 0.99,
      eventLoopDelayP99Ms: valid ? 2 : 80,
      eventLoopDelayMaxMs: valid ? 5 : 120,
      intendedRateRps: 100,
      achievedRateRps: valid ? 100 : 61,
      sendLagP99Ms: valid ? 1 : 90,
      valid,
      reasons: f.generatorReasons ?? [],
    },
    endpoints: f.endpoints.map(endpointResult),
  };
}

export function makeMetadata(overrides: Partial<ReportMetadata> = {}): ReportMetadata {
  return {
    feedscaleVersion: '0.1.0',
    gitCommit: '0123456789abcdef0123456789abcdef01234567',
    createdAt: '2011-12-01T12:30:00.000Z',
    host: { cores: 8, memoryBytes: 16 * 1024 ** 3, platform: 'linux-x64', node: 'v20.11.1' },
    imageCatalog: { requested: 'auto', used: 'local', reason: 'registry unreachable; built local images' },
    seed: 42,
    plan: 'feed-read',
    ...overrides,
  };
}

export const MEMCACHED_ON = { name: 'memcached-on', description: 'memcached in front of Postgres', stack: { cache: { mode: 'memcached' } } };
export const MEMCACHED_OFF = { name: 'memcached-off', description: 'every read goes to Postgres', stack: { cache: { mode: 'off' } } };

/** memcached-on: two repeats of 1..1000 us and 1001..2000 us; memcached-off: one repeat of 2..4000 us. */
export function standardInput(overrides: Partial<BuildReportInput> = {}): BuildReportInput {
  return {
    configurations: [MEMCACHED_ON, MEMCACHED_OFF],
    metadata: makeMetadata(),
    runs: [
      // Out of order on purpose: the report orders runs itself.
      makeRun({
        configuration: 'memcached-off',
        endpoints: [
          { endpoint: 'feed.read', latenciesUs: rampUs(2, 2000, 2), throughputRps: 80, errors: { status_503: 4 }, unserved: 7 },
          { endpoint: 'media.like', latenciesUs: rampUs(200, 100, 2) },
        ],
      }),
      makeRun({
        configuration: 'memcached-on',
        repeat: 1,
        endpoints: [
          { endpoint: 'feed.read', latenciesUs: rampUs(1001, 1000), throughputRps: 110, errors: { timeout: 1, status_503: 2 }, unserved: 3 },
          { endpoint: 'media.like', latenciesUs: rampUs(100, 100) },
        ],
      }),
      makeRun({
        configuration: 'memcached-on',
        repeat: 0,
        endpoints: [
          { endpoint: 'feed.read', latenciesUs: rampUs(1, 1000), throughputRps: 100, errors: { timeout: 1 }, unserved: 2 },
          { endpoint: 'media.like', latenciesUs: rampUs(100, 100) },
        ],
      }),
    ],
    ...overrides,
  };
}

