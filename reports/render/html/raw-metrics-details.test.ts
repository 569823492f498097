import { describe, expect, it } from 'vitest';
import { buildReport } from '../../build-report.ts';
import { standardInput } from '../../testing/run-fixtures.ts';
import { makeServerMetrics } from '../../testing/server-fixtures.ts';
import { rawMetricsDetails } from './raw-metrics-details.ts';

function rawOf(): string {
  const input = standardInput();
  input.runs[0]!.server = makeServerMetrics();
  return rawMetricsDetails(buildReport(input), new Map());
}

describe('rawMetricsDetails', () => {
  it('shows every numeric value of each collector by path, nested ones included, ratios as percentages', () => {
    const raw = rawOf();
    expect(raw).toContain('<h4>memcached</h4>');
    expect(raw).toContain('<code>summary.instances.0.hitRatio</code>');
    expect(raw).toContain('<code>0.topStatements.0.calls</code>');
    expect(raw).toContain('73.6%');
  });

  it('leaves time series out of the metric table', () => {
    const raw = rawOf();
    expect(raw).toContain('<code>summary.hitRatio</code>');
    expect(raw).not.toMatch(/<code>(\d+\.)?series\./);
  });

  it('is absent when no run carried server metrics', () => {
    expect(rawMetricsDetails(buildReport(standardInput()), new Map())).toBe('');
  });
});
