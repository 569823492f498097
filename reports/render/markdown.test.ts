import { describe, expect, it } from 'vitest';
import { buildReport } from '../build-report.ts';
import { makeRun, rampUs, showcaseInput, standardInput } from '../testing/run-fixtures.ts';
import { MEMCACHED_OFF_SERVER, MEMCACHED_ON_SERVER, makeServerMetrics } from '../testing/server-fixtures.ts';
import { renderMarkdown } from './markdown.ts';

const clean = buildReport(standardInput());

/** The body rows of the table under "## <endpoint>", as cells keyed by the configuration cell. */
function tableOf(markdown: string, endpoint: string): Map<string, string[]> {
  const section = markdown.split(/^## /m).find((s) => s.startsWith(`${endpoint}\n`));
  if (!section) throw new Error(`no section for ${endpoint}`);
  const rows = section.split('\n').filter((line) => line.startsWith('| ')).slice(1);
  return new Map(
    rows.map((line) => {
      const cells = line.slice(2, -2).split(' | ');
      return [cells[0]!, cells.slice(1)];
    }),
  );
}

describe('renderMarkdown', () => {
  it('opens with the plan as title and the metadata lines', () => {
    const md = renderMarkdown(clean);
    expect(md.startsWith('# feedscale report: feed-read\n')).toBe(true);
    expect(md).toContain('- **images:** local catalog (requested auto): registry unreachable; built local images\n');
    expect(md).toContain('- **host:** 8 cores, 16.0 GiB, linux-x64, Node v20.11.1\n');
    expect(md).toContain('- **seed:** 42\n');
    expect(md).toContain('- **plan:** feed-read\n');
    expect(md).toContain('- **configurations:** memcached-on (baseline), memcached-off\n');
  });

  it('has one table per endpoint with the percentile columns in ms', () => {
    const md = renderMarkdown(clean);
    const headers = md.split('\n').filter((l) => l.startsWith('| configuration |'));
    expect(headers).toHaveLength(2);
    expect(headers[0]).toBe('| configuration | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | throughput rps | errors | unserved | p99 vs baseline | p99 ratio 95% CI |');
  });

  it('puts each configuration\'s merged numbers in its own row', () => {
    const feed = tableOf(renderMarkdown(clean), 'feed.read');
    // memcached-on: 1..2000 us over two repeats, 100 and 110 rps, 4 errors, 5 unserved.
    expect(feed.get('memcached-on')).toEqual(['1.00', '1.80', '1.98', '2.00', '2.00', '105', '4', '5', 'baseline', '-']);
    // memcached-off: 2..4000 us in steps of 2, 80 rps; one repeat, so no CI, and the cell says why.
    expect(feed.get('memcached-off')).toEqual(['2.00', '3.60', '3.96', '4.00', '4.00', '80.0', '4', '7', '2.00x', 'needs ≥ 3 repeats']);
    const like = tableOf(renderMarkdown(clean), 'media.like');
    expect(like.get('memcached-on')?.slice(0, 3)).toEqual(['0.149', '0.189', '0.198']);
  });

  it('says the verdict is usable when every run is open-loop and valid, and adds no notes', () => {
    const md = renderMarkdown(clean);
    expect(md.match(/\*\*Verdict:\*\* usable\./g)).toHaveLength(2);
    expect(md).not.toContain('## Notes');
  });

  it('footnotes a saturated generator with its reasons and marks the row', () => {
    const input = standardInput();
    const runs = input.runs.map((r) =>
      r.configuration === 'memcached-off'
        ? makeRun({
            configuration: 'memcached-off',
            generatorValid: false,
            generatorReasons: ['cpu 0.99 of a core', 'send lag p99 90 ms'],
            endpoints: [{ endpoint: 'feed.read', latenciesUs: rampUs(2, 2000, 2) }],
          })
        : r,
    );
    const md = renderMarkdown(buildReport({ ...input, runs }));
    expect(tableOf(md, 'feed.read').has('memcached-off \\[1\\]')).toBe(true);
    expect(md).toContain('## Notes\n\n1. memcached-off repeat 0: load generator saturated (cpu 0.99 of a core; send lag p99 90 ms); this run gives no verdict.');
    expect(md).toContain('**Verdict:** not usable: "memcached-off" repeat 0: load generator unhealthy in its only attempt (cpu 0.99 of a core; send lag p99 90 ms).');
  });

  it('footnotes an unhealthy attempt that a healthy one replaced, and keeps the verdict usable', () => {
    const input = standardInput();
    const retried = input.runs.find((r) => r.configuration === 'memcached-off')!;
    const saturated = makeRun({
      configuration: 'memcached-off',
      attempt: 0,
      generatorValid: false,
      generatorReasons: ['send lag p99 90 ms'],
      endpoints: [{ endpoint: 'feed.read', latenciesUs: rampUs(2, 2000, 20) }],
    });
    const runs = [...input.runs.filter((r) => r !== retried), saturated, { ...retried, attempt: 1 }];
    const md = renderMarkdown(buildReport({ ...input, runs }));
    expect(md).toContain('1. memcached-off repeat 0 attempt 0: load generator saturated (send lag p99 90 ms); left out: attempt 1 of this repeat was healthy and is used instead.');
    expect(md.match(/\*\*Verdict:\*\* usable\./g)).toHaveLength(2);
    expect(tableOf(md, 'feed.read').get('memcached-off \\[1\\]')?.slice(0, 3)).toEqual(['2.00', '3.60', '3.96']);
  });

  it('labels closed-loop configurations and withholds their verdict', () => {
    const input = standardInput();
    const runs = input.runs.map((r) => (r.configuration === 'memcached-off' ? { ...r, loadModel: 'closed' as const, driver: 'autocannon' as const } : r));
    const md = renderMarkdown(buildReport({ ...input, runs }));
    expect(tableOf(md, 'feed.read').get('memcached-off \\[1\\]')?.[8]).toBe('2.00x');
    expect(md).toContain('1. memcached-off: closed-loop run (autocannon)');
    expect(md).not.toContain('**Verdict:** usable.');
  });

  it('escapes pipes and markup in names so the table keeps its columns', () => {
    const input = standardInput({
      configurations: [
        { name: 'memcached-on', stack: {} },
        { name: 'memcached-off', stack: {} },
      ],
    });
    const report = buildReport(input);
    const renamed = {
      ...report,
      summary: report.summary.map((r) => (r.configuration === 'memcached-off' ? { ...r, configuration: 'a|b_c' } : r)),
      comparison: {
        ...report.comparison,
        endpoints: report.comparison.endpoints.map((e) => ({
          ...e,
          entries: e.entries.map((x) => (x.configuration === 'memcached-off' ? { ...x, configuration: 'a|b_c' } : x)),
        })),
      },
    };
    const row = renderMarkdown(renamed).split('\n').find((l) => l.startsWith('| a'));
    expect(row?.startsWith('| a\\|b\\_c | 2.00 |')).toBe(true);
  });

  it('gives the t-interval of the p99 ratio with its method when both sides have repeats', () => {
    const md = renderMarkdown(buildReport(showcaseInput()));
    const off = tableOf(md, 'feed.read').get('memcached-off');
    expect(off?.[8]).toMatch(/^\d\.\d\dx$/);
    const ci = /^\\\[(\d\.\d\d)x, (\d\.\d\d)x\\\] paired t, 3 pairs$/.exec(off?.[9] ?? '');
    expect(ci, off?.[9]).not.toBeNull();
    const ratio = Number.parseFloat(off![8]!);
    expect(Number(ci![1])).toBeLessThanOrEqual(ratio);
    expect(Number(ci![2])).toBeGreaterThanOrEqual(ratio);
  });

  it('puts a server-side line per configuration under each table, largest differences first', () => {
    const input = standardInput();
    for (const r of input.runs) r.server = makeServerMetrics(r.configuration === 'memcached-on' ? MEMCACHED_ON_SERVER : MEMCACHED_OFF_SERVER);
    const md = renderMarkdown(buildReport(input));
    const line = '- **Server side**, memcached-off vs memcached-on: cache hit ratio 0.0% vs 73.6%; Postgres tuples fetched +299% (3332 vs 836/s); Postgres CPU +167% (13.7 vs 5.12% of a core); 1 more in report.html.';
    expect(md.split('\n').filter((l) => l === line)).toHaveLength(2);
    // Without server metrics there is no such line.
    expect(renderMarkdown(clean)).not.toContain('Server side');
  });
});
