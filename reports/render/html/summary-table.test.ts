import { describe, expect, it } from 'vitest';
import type { ServerSummary } from '../../server-summary-schema.ts';
import { serverSummaryTable } from './summary-table.ts';

const metric = (mean: number) => ({ mean, perRepeat: [mean] });

describe('serverSummaryTable', () => {
  it('lists each memcached instance when a configuration runs more than one', () => {
    const ring: ServerSummary = { configuration: 'ring', repeats: [0], cache: { hitRatio: metric(0.5), instances: [{ index: 0, hitRatio: metric(0.75) }, { index: 1, hitRatio: metric(0.25) }] } };
    const single: ServerSummary = { configuration: 'single', repeats: [0], cache: { hitRatio: metric(0.6), instances: [{ index: 0, hitRatio: metric(0.6) }] } };
    const table = serverSummaryTable([ring, single], new Map());
    expect(table).toContain('<td>memcached instance 1 hit ratio</td><td class="n"><span class="meter"><span style="width:25%"></span></span>25.0%</td><td class="n">–</td>');
    expect(serverSummaryTable([single], new Map())).not.toContain('memcached instance');
  });

  it('says so when the summaries hold nothing to tabulate', () => {
    expect(serverSummaryTable([{ configuration: 'c', repeats: [0] }], new Map())).toContain('The collectors recorded nothing this report knows how to summarize');
  });
});
