import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { registerFormats } from '../../lib/formats.ts';
import { RunResultSchema, type RunResult } from '../../lib/result-schema.ts';
import { buildK6Summary, type FixtureEndpoint } from '../k6/lib/k6-summary-fixture.ts';
import { summaryToRunResult } from '../k6/lib/summary-to-result.ts';
import { loadPlan } from '../plans/load-plan.ts';
import { mergeK6Results } from './k6-merge.ts';

registerFormats();

const NOW_MS = Date.parse('2025-06-01T12:00:30.000Z');

async function runnerResult(endpoint: Omit<FixtureEndpoint, 'endpoint'>, droppedIterations = 0): Promise<RunResult> {
  const plan = await loadPlan('feed-read');
  const data = buildK6Summary({ testRunDurationMs: 25_000, droppedIterations, endpoints: [{ endpoint: 'feed.read', ...endpoint }] });
  return summaryToRunResult(data, { plan, seed: 3, configuration: 'memcached-on', repeat: 1, nowMs: NOW_MS });
}

const latency = { p50Ms: 3, p90Ms: 8, p99Ms: 40, p999Ms: 120, minMs: 0.9, maxMs: 180, avgMs: 5 };

describe('mergeK6Results', () => {
  it('adds the runners\' counts exactly and bounds the percentiles by the largest runner\'s', async () => {
    // feed-read: 150 rps for 20 s = 3000 measured requests, split over 2 runners.
    const a = await runnerResult({ sent: 1500, ok: 1497, errors: { status_503: 3 }, ...latency });
    const b = await runnerResult({ sent: 1500, ok: 1500, ...latency, p50Ms: 4, p99Ms: 55, minMs: 1.1, maxMs: 150, avgMs: 7 });
    // Each runner alone judges itself against the whole plan: half the rate, "invalid".
    expect(a.generator.valid).toBe(false);

    const { result, exactLatency, notes } = mergeK6Results([
      { result: a, where: { host: 'node-1', name: 'feedscale-feed-read-1' } },
      { result: b, where: { host: 'node-2', name: 'feedscale-feed-read-2' } },
    ]);
    expect(Value.Check(RunResultSchema, result)).toBe(true);
    const [row] = result.endpoints;
    expect(row).toMatchObject({ endpoint: 'feed.read', intended: 3000, sent: 3000, ok: 2997, errors: { status_503: 3 }, unserved: 0 });
    expect(row!.fromSend.percentiles).toEqual({ count: 3000, minMs: 0.9, meanMs: 6, p50Ms: 4, p90Ms: 8, p99Ms: 55, p999Ms: 120, maxMs: 180 });
    expect(row!.fromSend.histogram).toBe('');
    expect(exactLatency).toBe(false);
    expect(notes[0]).toMatch(/p50..p99.9 are the largest runner's \(an upper bound/);
    // Judged again: each runner against its share, the whole against the plan.
    expect(result.generator).toMatchObject({ valid: true, reasons: [], intendedRateRps: 150, achievedRateRps: 150 });
    expect(result.generators!.map((g) => [g.name, g.host, g.health.intendedRateRps, g.health.valid])).toEqual([
      ['feedscale-feed-read-1', 'node-1', 75, true],
      ['feedscale-feed-read-2', 'node-2', 75, true],
    ]);
  });

  it('marks the whole invalid when a runner dropped iterations, naming the runner', async () => {
    const a = await runnerResult({ sent: 1500, ok: 1500, ...latency });
    const b = await runnerResult({ sent: 1490, ok: 1490, ...latency }, 10);
    const { result } = mergeK6Results([
      { result: a, where: { host: 'node-1', name: 'r1' } },
      { result: b, where: { host: 'node-2', name: 'r2' } },
    ]);
    expect(result.generator.valid).toBe(false);
    expect(result.generator.k6).toMatchObject({ droppedIterations: 10 });
    expect(result.generator.reasons).toEqual(['generator 1 of 2 (r2 on node-2): k6 dropped 10 iteration(s): no VU was free to start them, so planned demand went unsent']);
    expect(result.endpoints[0]).toMatchObject({ sent: 2990, unserved: 10, intended: 3000 });
  });

  it('catches a lost runner: every share kept up, but the whole did not run the plan', async () => {
    const a = await runnerResult({ sent: 1000, ok: 1000, ...latency });
    const { result } = mergeK6Results([
      { result: a, where: { host: 'node-1' } },
      { result: a, where: { host: 'node-2' } },
    ]);
    expect(result.generator.valid).toBe(false);
    expect(result.generator.reasons[0]).toMatch(/^all 2 generators: achieved 100 rps < 95% of the 150 rps intended/);
  });

  it('returns one runner as it is, and refuses results of different runs', async () => {
    const a = await runnerResult({ sent: 3000, ok: 3000, ...latency });
    expect(mergeK6Results([{ result: a, where: { host: 'h' } }]).result).toBe(a);
    expect(() => mergeK6Results([{ result: a, where: { host: 'h' } }, { result: { ...a, seed: 4 }, where: { host: 'h' } }])).toThrow(/not from the same run/);
    expect(() => mergeK6Results([])).toThrow(/no k6 runner results/);
  });
});
