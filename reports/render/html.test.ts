import { describe, expect, it } from 'vitest';
import { buildReport } from '../build-report.ts';
import { evaluateGate } from '../gate/evaluate-gate.ts';
import { makeRun, rampUs, showcaseInput, standardInput } from '../testing/run-fixtures.ts';
import { renderHtml } from './html.ts';

const showcase = buildReport(showcaseInput());
const html = renderHtml(showcase, { gate: evaluateGate({ baseline: showcase, candidate: showcase, thresholds: ['feed.read:p(99)<=+10%'], seed: 1 }) });

describe('renderHtml', () => {
  it('references no external resource: no URL, no script, no link, no import', () => {
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
  });

  it('shows the metadata, a chart and tables per endpoint, the gate, capacity and server metrics', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<h1>feed-read</h1>');
    expect(html).toContain('<dt>images</dt><dd>local catalog (requested auto): registry unreachable; built local images</dd>');
    expect(html).toContain('<dt>seed</dt><dd>42</dd>');
    expect(html).toContain('0123456789ab');
    expect(html.match(/<section class="endpoint">/g)).toHaveLength(2);
    expect(html).toContain('aria-label="feed.read: latency percentiles by configuration"');
    expect(html).toContain('aria-label="feed.read: p99 over time"');
    expect(html).toContain('aria-label="feed.read: p99 latency against offered rate"');
    expect(html).toContain('memcached-on: sustains 400 rps');
    expect(html).toContain('<h2>Gate <span class="badge failed">FAILED</span></h2>');
    expect(html).toContain('<h2>Capacity under the SLO</h2>');
    expect(html).toContain('<h3>memcached</h3>');
    expect(html).toContain('aria-label="postgres.perShard: per-shard load, mean over repeats"');
    expect(html).toContain('latency from intended start, ms');
  });

  it('draws CI whiskers when there are repeats and none for a single repeat', () => {
    expect(html).toContain('<g class="whisker"');
    const single = renderHtml(buildReport({ ...standardInput(), runs: standardInput().runs.filter((r) => r.repeat === 0) }));
    expect(single).not.toContain('<g class="whisker"');
    expect(single).toContain('no CI (1 repeat on the baseline side');
  });

  it('is deterministic: equal reports give equal bytes', () => {
    expect(renderHtml(buildReport(showcaseInput()), { gate: evaluateGate({ baseline: showcase, candidate: showcase, thresholds: ['feed.read:p(99)<=+10%'], seed: 1 }) })).toBe(html);
  });

  it('escapes names from user config and notes saturated runs', () => {
    const input = standardInput({ configurations: [{ name: '<b>on</b>', stack: { note: '</pre><script>' } }, { name: 'memcached-off', stack: {} }] });
    const runs = input.runs.map((r) => (r.configuration === 'memcached-on' ? { ...r, configuration: '<b>on</b>' } : r));
    runs.push(makeRun({ configuration: 'memcached-off', repeat: 1, generatorValid: false, generatorReasons: ['cpu 0.99'], endpoints: [{ endpoint: 'feed.read', latenciesUs: rampUs(2, 100) }] }));
    const out = renderHtml(buildReport({ ...input, runs }));
    expect(out).not.toContain('<b>on</b>');
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;b&gt;on&lt;/b&gt;');
    expect(out).toContain('memcached-off repeat 1: load generator saturated (cpu 0.99)');
  });

  it('renders server metrics of an unknown shape without failing', () => {
    const input = standardInput();
    input.runs[0]!.server = { weird: { nested: { deep: [1, 2, { x: 3 }] }, text: 'hello', nan: Number.NaN, hitRatio: 0.5 }, empty: {} };
    const out = renderHtml(buildReport(input));
    expect(out).toContain('<code>nested.deep.2.x</code>');
    expect(out).toContain('50.0%');
  });
});

describe('renderHtml server metrics', () => {
  it('leaves time series out of the metric table', () => {
    const input = standardInput();
    input.runs[0]!.server = { memcached: { series: [{ tS: 1, getsPerS: 5 }], summary: { hitRatio: 0.9 } } };
    const out = renderHtml(buildReport(input));
    expect(out).toContain('<code>summary.hitRatio</code>');
    expect(out).not.toContain('<code>series.0.getsPerS</code>');
  });
});
