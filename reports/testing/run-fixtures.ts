import type { BuildReportInput } from '../build-report.ts';
import { createLatencyHistogram, recordUs, toLatency } from '../../lib/histogram.ts';
import type { ReportMetadata } from '../report-schema.ts';
import { createRng } from '../../lib/random/prng.ts';
import { RESULT_SCHEMA_VERSION, type EndpointResult, type RunResult } from '../../lib/result-schema.ts';
import type { ServerMetrics } from '../../lib/server-metrics-schema.ts';
import { MEMCACHED_OFF_SERVER, MEMCACHED_ON_SERVER, makeServerMetrics } from './server-fixtures.ts';

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
  attempt?: number;
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
    latencyFrom: 'intended',
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
    attempt: f.attempt ?? 0,
    driver: f.driver ?? (f.loadModel === 'closed' ? 'autocannon' : 'open-loop'),
    loadModel: f.loadModel ?? 'open',
    seed: 42,
    startedAt: '2011-12-01T12:00:00.000Z',
    durationS: 10,
    warmupS: 2,
    timeoutMs: 2000,
    generator: {
      cpuCoreFraction: valid ? 0.4 : 0.99,
      eventLoopDelayP99Ms: valid ? 2 : 80,
      eventLoopDelayMaxMs: valid ? 5 : 120,
      intendedRateRps: 100,
      achievedRateRps: valid ? 100 : 61,
      sendLagP99Ms: valid ? 1 : 90,
      sendLagP999Ms: valid ? 2 : 150,
      completedRateRps: valid ? 100 : 61,
      valid,
      reasons: f.generatorReasons ?? [],
    },
    endpoints: f.endpoints.map(endpointResult),
  };
}

/** A run of one feed.read endpoint whose interest is its server metrics (none: a run without collectors, as k6's). */
export function makeServerRun(configuration: string, repeat: number, server: ServerMetrics | undefined): RunResult {
  const run = makeRun({ configuration, repeat, endpoints: [{ endpoint: 'feed.read', latenciesUs: rampUs(1000, 50) }] });
  if (server !== undefined) run.server = server;
  return run;
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


/** Deterministic right-skewed latencies (us): a log-normal body around `medianUs` with a heavier tail. */
export function skewedUs(seed: number, count: number, medianUs: number, sigma = 0.45): number[] {
  const rng = createRng(seed);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    // Box-Muller on two uniform draws; 1 - u keeps the log away from 0.
    const u1 = 1 - rng.nextFloat();
    const u2 = rng.nextFloat();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    const tail = rng.nextFloat() < 0.01 ? 4 : 1;
    out.push(medianUs * Math.exp(sigma * z) * tail);
  }
  return out;
}

/**
 * A report input that exercises every part of report.html: two configurations x three interleaved
 * repeats with run-to-run noise, a ramp (steps) with a knee, per-second timelines and server
 * metrics (cache hit ratio, per-shard load).
 */
export function showcaseInput(): BuildReportInput {
  const runs: RunResult[] = [];
  const configurations = [
    { ...MEMCACHED_ON, feedMedianUs: 9_000, likeMedianUs: 4_000, kneeRps: 400, hitRatio: 0.93 },
    { ...MEMCACHED_OFF, feedMedianUs: 16_000, likeMedianUs: 4_300, kneeRps: 300, hitRatio: 0 },
  ];
  const rates = [100, 200, 300, 400, 500];
  for (let repeat = 0; repeat < 3; repeat++) {
    configurations.forEach((c, ci) => {
      const noise = 1 + 0.04 * Math.sin(repeat * 2.1 + ci);
      const seed = 1000 + repeat * 10 + ci;
      const run = makeRun({
        configuration: c.name,
        repeat,
        endpoints: [
          { endpoint: 'feed.read', latenciesUs: skewedUs(seed, 4000, c.feedMedianUs * noise), throughputRps: 290 * (2 - noise), errors: { status_503: 3 + repeat } },
          { endpoint: 'media.like', latenciesUs: skewedUs(seed + 5, 400, c.likeMedianUs * noise, 0.3), throughputRps: 10 },
        ],
      });
      const p99At = (rate: number, base: number) => base * noise * (rate <= c.kneeRps ? 1 + rate / 1000 : 1 + ((rate - c.kneeRps) / 25) ** 2);
      run.steps = rates.map((rateRps, i) => ({
        rateRps,
        startS: i * 10,
        durationS: 10,
        endpoints: [
          { endpoint: 'feed.read', p99Ms: p99At(rateRps, (c.feedMedianUs / 1000) * 2.6), errorRate: rateRps > c.kneeRps + 50 ? 0.03 : 0.001, sent: rateRps * 10 * 0.96, ok: rateRps * 10 * 0.95 },
          { endpoint: 'media.like', p99Ms: p99At(rateRps, (c.likeMedianUs / 1000) * 2), errorRate: 0, sent: rateRps * 0.4, ok: rateRps * 0.4 },
        ],
      }));
      run.endpoints[0]!.timeline = Array.from({ length: 50 }, (_, t) => {
        const rate = rates[Math.min(rates.length - 1, Math.floor(t / 10))]!;
        return { tS: t + 1, p99Ms: p99At(rate, (c.feedMedianUs / 1000) * 2.6) * (1 + 0.05 * Math.sin(t + repeat)), rps: rate * 0.96 };
      });
      // Four shards; without memcached every read reaches Postgres and the pools start to queue.
      const off = ci === 1;
      const shardLoad = (base: readonly number[]) => base.map((v) => v * noise);
      run.server = makeServerMetrics({
        ...(off ? MEMCACHED_OFF_SERVER : MEMCACHED_ON_SERVER),
        hitRatio: off ? null : c.hitRatio + 0.01 * (repeat - 1),
        xactPerSByShard: shardLoad(off ? [420, 346, 450, 328] : [120, 96, 140, 88]),
        tupFetchedPerSByShard: shardLoad(off ? [3100, 2500, 3300, 2400] : [560, 430, 610, 400]),
        clWaitingMaxByShard: off ? [6 + repeat, 2, 9, 1] : [0, 0, 0, 0],
        waitPerXactMsByShard: off ? [3.1 * noise, 1.2, 4.4, 0.9] : [0.07, 0.2, 0.1, 0.1],
        appCpuCoresByInstance: off ? [0.21 * noise, 0.2] : [0.25 * noise, 0.24],
      });
      runs.push(run);
    });
  }
  return { configurations: [MEMCACHED_ON, MEMCACHED_OFF], metadata: makeMetadata({ plan: 'feed-read' }), runs };
}
