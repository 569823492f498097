import { describe, expect, it } from 'vitest';
import { buildReport } from '../build-report.ts';
import { standardInput } from '../testing/run-fixtures.ts';
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
    expect(header?.split(/ {2,}/)).toEqual(['configuration', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'throughput rps', 'errors', 'unserved', 'p99 vs baseline']);
    expect(rule).toMatch(/^-+( {2}-+)+$/);
    expect(on?.split(/ +/)).toEqual(['memcached-on', '1.00', '1.80', '1.98', '2.00', '2.00', '105', '4', '5', 'baseline']);
    expect(off?.split(/ +/)).toEqual(['memcached-off', '2.00', '3.60', '3.96', '4.00', '4.00', '80.0', '4', '7', '2.00x']);
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
});
