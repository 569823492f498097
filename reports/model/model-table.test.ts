import { describe, expect, it } from 'vitest';
import { buildReport } from '../build-report.ts';
import { renderHtml } from '../render/html.ts';
import { renderMarkdown } from '../render/markdown.ts';
import { renderTextTables } from '../render/text-table.ts';
import { makeMetadata, makeRun } from '../testing/run-fixtures.ts';
import type { ModelValidation } from './model-validation-schema.ts';
import { modelRowCells } from './model-table.ts';
import { validateReport } from '../render/json.ts';

const row: ModelValidation['rows'][number] = {
  configuration: 'shards-2',
  endpoint: 'feed.read',
  repeat: 0,
  step: null,
  intendedRps: 150,
  calibratedOn: ['shards-1'],
  inSample: false,
  measured: { p50Ms: 4, p99Ms: 20, throughputRps: 150 },
  predicted: { p50Ms: 4.2, p99Ms: 18, throughputRps: 150 },
  error: { p50: 0.05, p99: -0.1, throughput: 0 },
  bottleneck: 'machine',
  bottleneckUtilisation: 0.42,
  foreignCores: 0.05,
  generatorValid: true,
};
const model: ModelValidation = {
  method: 'leave one out',
  placement: 'every container on one 2-core host',
  calibration: { host: '2 cores', intervals: 9, notes: [] },
  rows: [row],
  summary: { rows: 1, p50MedianAbsError: 0.05, p99MedianAbsError: 0.1, throughputMedianAbsError: 0 },
  contention: [
    {
      endpoint: 'feed.read',
      configuration: 'memcached-off',
      baseline: 'memcached-on',
      measuredP99Ms: { baseline: 20, configuration: 33 },
      sharedP99Ms: { baseline: 18, configuration: 30 },
      dedicatedP99Ms: { baseline: 6, configuration: 6.5 },
      contentionShare: 0.96,
      mostlyContention: true,
      text: 'mostly host contention: it is the shared cores',
    },
  ],
  notes: [],
};

describe('model vs measured in the reports', () => {
  it('formats a row with both figures and the signed error', () => {
    const cells = modelRowCells(row);
    expect(cells).toContain('4.00 / 4.20');
    expect(cells).toContain('+5.0%');
    expect(cells).toContain('-10.0%');
    expect(cells).toContain('machine 42%');
  });

  it('renders the section in markdown, html and the terminal, and the contention sentence beside the latency table', () => {
    const report = buildReport({ runs: [makeRun({ configuration: 'memcached-on', endpoints: [{ endpoint: 'feed.read', latenciesUs: [1000, 2000, 3000] }] }), makeRun({ configuration: 'memcached-off', endpoints: [{ endpoint: 'feed.read', latenciesUs: [2000, 3000, 4000] }] })], configurations: [{ name: 'memcached-on', stack: {} }, { name: 'memcached-off', stack: {} }], metadata: makeMetadata() });
    report.model = model;
    expect(validateReport(report)).toEqual([]);
    const md = renderMarkdown(report);
    expect(md).toContain('## Model vs measured');
    expect(md).toContain('- **Model**, memcached-off vs memcached-on: mostly host contention: it is the shared cores.');
    const html = renderHtml(report);
    expect(html).toContain('<h2>Model vs measured</h2>');
    // Beside the feed.read latency table, before the model section.
    const beside = html.indexOf('<ul class="note model-contention"><li><b>Model</b>, memcached-off vs memcached-on: mostly host contention');
    expect(beside).toBeGreaterThan(0);
    expect(beside).toBeLessThan(html.indexOf('<h2>Model vs measured</h2>'));
    expect(renderTextTables(report)).toContain('model, memcached-off vs memcached-on: mostly host contention');
  });
});
