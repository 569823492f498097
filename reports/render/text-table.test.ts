import { describe, expect, it } from 'vitest';
import { buildReport } from '../build-report.ts';
import { showcaseInput, standardInput } from '../testing/run-fixtures.ts';
import { MEMCACHED_ON_SERVER, makeServerMetrics } from '../testing/server-fixtures.ts';
import { renderTextTables } from './text-table.ts';

const text = renderTextTables(buildReport(standardInput()));

function block(endpoint: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(endpoint);
  return lines.slice(start + 1, start + 5);
}

describe('renderTextTables', () => {
  it('shows the same numbers as the markdown table in space-aligned rows', () => {
    const [header, rule, on, off] = block('feed.read');
    expect(header?.split(/ {2,}/)).toEqual(['configuration', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'throughput rps', 'errors', 'unserved', 'p99 vs baseline', 'p99 ratio 95% CI']);
    expect(rule).toMatch(/^-+( {2}-+)+$/);
    expect(on?.split(/ +/)).toEqual(['memcached-on', '1.00', '1.80', '1.98', '2.00', '2.00', '105', '4', '5', 'baseline', '-']);
    expect(off?.split(/ {2,}/)).toEqual(['memcached-off', '2.00', '3.60', '3.96', '4.00', '4.00', '80.0', '4', '7', '2.00x', 'needs ≥ 3 repeats']);
  });

  it('right-aligns numbers under their headers', () => {
    const [header, , on, off] = block('feed.read');
    const endOf = (line: string, token: string) => line.indexOf(token) + token.length;
    expect(endOf(on!, '1.98')).toBe(endOf(header!, 'p99 ms'));
    expect(endOf(off!, '3.96')).toBe(endOf(header!, 'p99 ms'));
    expect(on!.length).toBe(header!.length);
    expect(off!.length).toBe(header!.length);
  });

  it('prints the metadata and a verdict line per endpoint without markdown syntax', () => {
    expect(text).toContain('  images          local catalog (requested auto): registry unreachable; built local images\n');
    expect(text.match(/^verdict: usable$/gm)).toHaveLength(2);
    expect(text).not.toContain('|');
    expect(text).not.toContain('**');
  });

  it('aligns the p99 ratio CI as one cell and ends each table with a server-side line', () => {
    const input = showcaseInput();
    const out = renderTextTables(buildReport(input));
    const lines = out.split('\n');
    const start = lines.indexOf('feed.read');
    const [header, , , off, verdict, serverSide] = lines.slice(start + 1, start + 7);
    expect(off!.length).toBe(header!.length);
    expect(off).toMatch(/ \[\d\.\d\dx, \d\.\d\dx\] paired t, 3 pairs$/);
    expect(verdict).toBe('verdict: usable');
    expect(serverSide).toMatch(/^server side, memcached-off vs memcached-on: cache hit ratio 0\.0% vs 9\d\.\d%; /);
  });

  it('says so when one side has no server metrics', () => {
    const input = standardInput();
    for (const r of input.runs) if (r.configuration === 'memcached-on') r.server = makeServerMetrics(MEMCACHED_ON_SERVER);
    expect(renderTextTables(buildReport(input))).toContain('server side, memcached-off vs memcached-on: no server metrics for "memcached-off"\n');
  });
});
