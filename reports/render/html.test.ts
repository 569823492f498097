import { describe, expect, it } from 'vitest';
import { buildReport } from '../build-report.ts';
import { evaluateGate } from '../gate/evaluate-gate.ts';
import { makeRun, rampUs, showcaseInput, standardInput } from '../testing/run-fixtures.ts';
import { MEMCACHED_OFF_SERVER, MEMCACHED_ON_SERVER, makeServerMetrics } from '../testing/server-fixtures.ts';
import { renderHtml } from './html.ts';

const showcase = buildReport(showcaseInput());
const html = renderHtml(showcase, { gate: evaluateGate({ baseline: showcase, candidate: showcase, thresholds: ['feed.read:p(99)<=+10%'] }) });

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
    expect(html).toContain('<h2>Server side</h2>');
    expect(html).toContain('aria-label="cache hit ratio by configuration"');
    expect(html).toContain('aria-label="Postgres transactions/s per shard, mean over repeats"');
    expect(html).toContain('latency from intended start, ms');
  });

  it('draws CI whiskers when there are repeats and none for a single repeat', () => {
    expect(html).toContain('<g class="whisker"');
    const single = renderHtml(buildReport({ ...standardInput(), runs: standardInput().runs.filter((r) => r.repeat === 0) }));
    expect(single).not.toContain('<g class="whisker"');
    expect(single).toContain('no CI (needs ≥ 3 healthy repeats per side (baseline 1, candidate 1)).');
  });

  it('is deterministic: equal reports give equal bytes', () => {
    expect(renderHtml(buildReport(showcaseInput()), { gate: evaluateGate({ baseline: showcase, candidate: showcase, thresholds: ['feed.read:p(99)<=+10%'] }) })).toBe(html);
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

});

function withServers(): ReturnType<typeof buildReport> {
  const input = standardInput();
  for (const r of input.runs) r.server = makeServerMetrics(r.configuration === 'memcached-on' ? MEMCACHED_ON_SERVER : MEMCACHED_OFF_SERVER);
  return buildReport(input);
}

describe('renderHtml server side', () => {
  const out = renderHtml(withServers());
  const cellsOf = (label: string) => {
    const row = new RegExp(`<tr[^>]*><td>${label}</td>(.*?)</tr>`).exec(out)?.[1] ?? '';
    return [...row.matchAll(/<td class="n">(.*?)<\/td>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ''));
  };

  it('tabulates the server summary with units, one column per configuration', () => {
    expect(cellsOf('cache hit ratio')).toEqual(['73.6%', '0.0%']);
    expect(cellsOf('Postgres transactions/s \\(all shards\\)')).toEqual(['197', '429']);
    expect(cellsOf('pgbouncer wait per transaction, ms')).toEqual(['0.138', '0.317']);
    expect(cellsOf('Redis memory')).toEqual(['9.55 MiB', '9.54 MiB']);
    // memcached-off has no memcached: a dash, not a zero.
    expect(cellsOf('memcached gets/s')[1]).toBe('–');
    expect(cellsOf('Postgres containers CPU, % of a core')).toEqual(['5.12', '13.7']);
  });

  it('shows the range over repeats when they differ', () => {
    const input = standardInput();
    for (const r of input.runs) r.server = makeServerMetrics({ ...MEMCACHED_ON_SERVER, hitRatio: r.repeat === 0 ? 0.7 : 0.8 });
    const html = renderHtml(buildReport(input));
    // memcached-on: repeats 0 and 1 (0.7 and 0.8); memcached-off: repeat 0 only.
    expect(html).toContain('<tr><td>cache hit ratio</td><td class="n"><span class="meter"><span style="width:75%"></span></span>75.0% <span class="ci">70.0%–80.0%</span></td><td class="n"><span class="meter"><span style="width:70%"></span></span>70.0%</td></tr>');
  });

  it('puts the attribution sentences beside each endpoint comparison', () => {
    const boxes = out.match(/<aside class="why-box">.*?<\/aside>/gs) ?? [];
    expect(boxes).toHaveLength(2);
    expect(boxes[0]).toContain('<li>cache hit ratio 0.0% vs 73.6%</li><li>Postgres tuples fetched +299% (3332 vs 836/s)</li>');
    // Inside the endpoint's section, after its comparison against the baseline.
    const feed = out.slice(out.indexOf('<h2>feed.read'), out.indexOf('<h2>media.like'));
    expect(feed.indexOf('<aside class="why-box">')).toBeGreaterThan(feed.indexOf('Against the baseline'));
  });

  it('draws per-shard Postgres load as grouped bars, one colour per configuration', () => {
    const chart = /<svg class="chart"[^>]*aria-label="Postgres transactions\/s per shard[^"]*">.*?<\/svg>/s.exec(out)?.[0] ?? '';
    expect(chart.match(/<rect /g)).toHaveLength(4);
    expect(chart).toContain('memcached-off, shard 1: 226.8');
    expect(chart).toContain('>shard 0<');
  });

  it('keeps the raw collector values folded away and still loads nothing', () => {
    expect(out).toMatch(/<details class="raw"><summary>Raw collector values \(apps, containers, memcached, nginx, pgbouncer, postgres, redis, sampling\)<\/summary>/);
    expect(out).not.toMatch(/https?:\/\/|<script|<link|@import|url\(/i);
  });

  it('computes the server side itself for a report stored without it', () => {
    const { serverSummary: _s, attribution: _a, ...old } = withServers();
    const again = renderHtml(old);
    expect(again).toContain('<li>cache hit ratio 0.0% vs 73.6%</li>');
  });

  it('says when a configuration has no server metrics', () => {
    const input = standardInput();
    for (const r of input.runs) if (r.configuration === 'memcached-on') r.server = makeServerMetrics(MEMCACHED_ON_SERVER);
    expect(renderHtml(buildReport(input))).toContain('no server metrics for &quot;memcached-off&quot;.');
  });
});
