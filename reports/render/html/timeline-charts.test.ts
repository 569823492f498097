import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../../lib/result-schema.ts';
import { buildReport } from '../../build-report.ts';
import { standardInput } from '../../testing/run-fixtures.ts';
import { isFullInterval, timelineCharts } from './timeline-charts.ts';

describe('isFullInterval', () => {
  const run = { durationS: 5 } as Pick<RunResult, 'durationS'>;
  it('leaves the drain interval after the measured window out of the throughput line', () => {
    expect(isFullInterval({ tS: 5, p99Ms: 20, rps: 150 }, run)).toBe(true);
    expect(isFullInterval({ tS: 6, p99Ms: 60, rps: 3 }, run)).toBe(false);
  });

  it('honours an interval the engine marks partial or shorter than a second', () => {
    expect(isFullInterval({ tS: 3, p99Ms: 20, rps: 150, partial: true } as never, run)).toBe(false);
    expect(isFullInterval({ tS: 3, p99Ms: 20, rps: 150, intervalS: 0.4 } as never, run)).toBe(false);
    expect(isFullInterval({ tS: 3, p99Ms: 20, rps: 150, intervalS: 1 } as never, run)).toBe(true);
  });
});

describe('timelineCharts', () => {
  it('draws no throughput point at the partial last second', () => {
    const input = standardInput();
    const timeline = [1, 2, 3].map((tS) => ({ tS, p99Ms: 10 + tS, rps: 100, count: 100 }));
    for (const r of input.runs) {
      r.durationS = 2;
      r.endpoints[0]!.timeline = timeline;
    }
    const html = timelineCharts(buildReport(input), 'feed.read', new Map());
    const throughput = /aria-label="feed\.read: throughput over time">.*?<\/svg>/s.exec(html)?.[0] ?? '';
    const p99 = /aria-label="feed\.read: p99 over time">.*?<\/svg>/s.exec(html)?.[0] ?? '';
    // Three runs: two points each for throughput, three for p99 (the drain's latency is real).
    expect(throughput.match(/<circle /g)).toHaveLength(6);
    expect(p99.match(/<circle /g)).toHaveLength(9);
  });
});
