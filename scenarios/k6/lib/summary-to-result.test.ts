import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { registerFormats } from '../../../lib/formats.ts';
import { RunResultSchema } from '../../../lib/result-schema.ts';
import { loadPlan } from '../../plans/load-plan.ts';
import { buildK6Summary } from './k6-summary-fixture.ts';
import { apportion, renderTextSummary, summaryToRunResult, thresholdOutcomes } from './summary-to-result.ts';

registerFormats();

const NOW_MS = Date.parse('2025-06-01T12:00:30.000Z');

const latency = { p50Ms: 3.2, p90Ms: 8.1, p99Ms: 41.5, p999Ms: 120.25, minMs: 0.9, maxMs: 180.4, avgMs: 5.5 };

describe('summaryToRunResult', () => {
  it('turns a documented k6 summary into a RunResult that RunResultSchema accepts', async () => {
    const plan = await loadPlan('feed-read');
    const data = buildK6Summary({
      testRunDurationMs: 25_000,
      endpoints: [{ endpoint: 'feed.read', sent: 3000, ok: 2990, errors: { status_503: 7, timeout: 3 }, ...latency, thresholds: { 'p(99)<250': true } }],
    });
    const result = summaryToRunResult(data, { plan, seed: 11, configuration: 'memcached-on', repeat: 2, nowMs: NOW_MS });

    expect(Value.Check(RunResultSchema, result)).toBe(true);
    expect(result).toMatchObject({
      driver: 'k6',
      loadModel: 'open',
      plan: 'feed-read',
      configuration: 'memcached-on',
      repeat: 2,
      seed: 11,
      durationS: 20,
      warmupS: 5,
      startedAt: '2025-06-01T12:00:05.000Z',
    });
    expect(result.endpoints).toEqual([
      {
        endpoint: 'feed.read',
        intended: 3000,
        sent: 3000,
        ok: 2990,
        errors: { status_503: 7, timeout: 3 },
        unserved: 0,
        throughputRps: 2990 / 20,
        fromIntended: { percentiles: { count: 3000, minMs: 0.9, meanMs: 5.5, p50Ms: 3.2, p90Ms: 8.1, p99Ms: 41.5, p999Ms: 120.25, maxMs: 180.4 }, histogram: '' },
        // No intended-start Trend in this summary: the row says its latency is from the send.
        latencyFrom: 'send',
        fromSend: { percentiles: { count: 3000, minMs: 0.9, meanMs: 5.5, p50Ms: 3.2, p90Ms: 8.1, p99Ms: 41.5, p999Ms: 120.25, maxMs: 180.4 }, histogram: '' },
      },
    ]);
    expect(result.generator).toMatchObject({ valid: true, reasons: [], intendedRateRps: 150, achievedRateRps: 150 });
  });

  it('takes fromIntended from the intended-start Trend when the script recorded one, and says so', async () => {
    const plan = await loadPlan('feed-read');
    const data = buildK6Summary({ testRunDurationMs: 25_000, endpoints: [{ endpoint: 'feed.read', sent: 3000, ok: 3000, ...latency, intendedExtraMs: 2 }] });
    const [row] = summaryToRunResult(data, { plan, seed: 1, configuration: 'c', repeat: 0, nowMs: NOW_MS }).endpoints;
    expect(row!.latencyFrom).toBe('intended');
    expect(row!.fromIntended.percentiles.p99Ms).toBeCloseTo(row!.fromSend.percentiles.p99Ms + 2, 9);
    expect(row!.fromIntended.percentiles).not.toEqual(row!.fromSend.percentiles);
  });

  it('marks the run invalid when k6 dropped iterations and spreads them over the endpoints by mix weight', async () => {
    const plan = await loadPlan('like-storm'); // media.like 0.7, feed.read 0.3
    const data = buildK6Summary({
      testRunDurationMs: 25_000,
      droppedIterations: 10,
      endpoints: [
        { endpoint: 'feed.read', sent: 700, ok: 700, ...latency },
        { endpoint: 'media.like', sent: 1690, ok: 1690, ...latency },
      ],
    });
    const result = summaryToRunResult(data, { plan, seed: 1, configuration: 'k6', repeat: 0, nowMs: NOW_MS });

    expect(Value.Check(RunResultSchema, result)).toBe(true);
    expect(result.generator.valid).toBe(false);
    expect(result.generator.reasons.join(' ')).toMatch(/dropped 10 iteration/);
    const byName = Object.fromEntries(result.endpoints.map((e) => [e.endpoint, e]));
    expect(byName['media.like']).toMatchObject({ unserved: 7, intended: 1697 });
    expect(byName['feed.read']).toMatchObject({ unserved: 3, intended: 703 });
  });

  it('gives the upload flow a row per step and keeps only endpoints that saw traffic', async () => {
    const plan = await loadPlan('upload');
    const data = buildK6Summary({
      testRunDurationMs: 25_000,
      endpoints: [
        { endpoint: 'upload.start', sent: 200, ok: 199, errors: { status_500: 1 }, ...latency },
        { endpoint: 'upload.put', sent: 199, ok: 199, ...latency },
        { endpoint: 'upload.complete', sent: 199, ok: 198, errors: { status_404: 1 }, ...latency },
      ],
    });
    const result = summaryToRunResult(data, { plan, seed: 1, configuration: 'k6', repeat: 0, nowMs: NOW_MS });
    expect(Value.Check(RunResultSchema, result)).toBe(true);
    expect(result.endpoints.map((e) => e.endpoint)).toEqual(['upload.complete', 'upload.put', 'upload.start']);
    // Only upload.start was scheduled; its follow-ups do not count toward the achieved rate.
    expect(result.generator.achievedRateRps).toBe(10);
  });

  it('flags a run that sent far less than its schedule even without drops', async () => {
    const plan = await loadPlan('feed-read');
    const data = buildK6Summary({ testRunDurationMs: 25_000, endpoints: [{ endpoint: 'feed.read', sent: 1000, ok: 1000, ...latency }] });
    const result = summaryToRunResult(data, { plan, seed: 1, configuration: 'k6', repeat: 0, nowMs: NOW_MS });
    expect(result.generator.valid).toBe(false);
    expect(result.generator.reasons.join(' ')).toMatch(/achieved 50 rps/);
  });
});

describe('thresholdOutcomes', () => {
  it('lists every threshold k6 evaluated with its verdict', () => {
    const data = buildK6Summary({
      testRunDurationMs: 25_000,
      droppedIterations: 2,
      failedThreshold: { 'rate<=0.01': true },
      endpoints: [{ endpoint: 'feed.read', sent: 10, ok: 10, ...latency, thresholds: { 'p(99)<250': false } }],
    });
    expect(thresholdOutcomes(data)).toEqual([
      { metric: 'dropped_iterations', threshold: 'count==0', ok: false },
      { metric: 'feedscale_latency_feed_read', threshold: 'p(99)<250', ok: false },
      { metric: 'http_req_failed{phase:measure}', threshold: 'rate<=0.01', ok: true },
    ]);
  });
});

describe('apportion', () => {
  it('splits a whole number by weight and always adds up to it', () => {
    expect(apportion(10, [0.7, 0.3])).toEqual([7, 3]);
    expect(apportion(1, [0.9009, 0.09009, 0.005776])).toEqual([1, 0, 0]);
    expect(apportion(5, [1, 1, 1])).toEqual([2, 2, 1]);
    expect(apportion(0, [1, 2])).toEqual([0, 0]);
  });
});

describe('renderTextSummary', () => {
  it('prints the endpoints, failed thresholds, validity and the notes', async () => {
    const plan = await loadPlan('mixed');
    const data = buildK6Summary({ testRunDurationMs: 35_000, droppedIterations: 1, endpoints: [{ endpoint: 'feed.read', sent: 3240, ok: 3240, ...latency }] });
    const result = summaryToRunResult(data, { plan, seed: 1, configuration: 'k6', repeat: 0, nowMs: NOW_MS });
    const text = renderTextSummary(result, thresholdOutcomes(data), ['arrival "poisson" runs as constant-arrival-rate']);
    expect(text).toMatch(/feed\.read\s+3240/);
    expect(text).toMatch(/FAIL dropped_iterations: count==0/);
    expect(text).toMatch(/INVALID/);
    expect(text).toMatch(/poisson/);
  });
});
