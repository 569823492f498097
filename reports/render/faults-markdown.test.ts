import { describe, expect, it } from 'vitest';
import type { FaultRecord, WriteAudit } from '../../lib/result-schema.ts';
import { buildReport } from '../build-report.ts';
import { standardInput } from '../testing/run-fixtures.ts';
import { timelineCharts } from './html/timeline-charts.ts';
import { renderMarkdown } from './markdown.ts';

const fault: FaultRecord = {
  kind: 'kill',
  target: 'app-1',
  services: ['app-1'],
  plannedAtS: 1,
  startS: 1.02,
  endS: 2.5,
  steps: [{ step: 'killed', atS: 1.05 }],
  errorWindow: { firstS: 1.0, lastS: 1.4, durationS: 0.4, failed: 3, byKind: { status_502: 3 } },
  p99Recovery: { endpoint: 'feed.read', prefaultP99Ms: 12, recoveredAfterS: 1 },
};
const audit: WriteAudit = { writes: [{ type: 'media.like', acknowledged: 5, present: 4, lost: 1, duplicated: 0, examples: ['lost 1:2'] }], queueDrained: true, elapsedMs: 3, notes: [] };

function reportWithFault() {
  const input = standardInput();
  const timeline = [1, 2, 3].map((tS) => ({ tS, p99Ms: 10 + tS, rps: 100, count: 100 }));
  for (const r of input.runs) {
    r.endpoints[0]!.timeline = timeline;
    r.faults = [fault];
    r.audit = audit;
  }
  return buildReport(input);
}

describe('faults and the audit in the reports', () => {
  it('marks each fault and its error window on the latency-over-time charts', () => {
    const html = timelineCharts(reportWithFault(), 'feed.read', new Map());
    expect(html).toContain('<g class="fault">');
    expect(html).toContain('>kill app-1</text>');
    expect(html).toContain('requests failed from 1 s to 1.4 s');
    expect(html).toContain('red bands: their error windows');
  });

  it('lists the faults and the audit in report.md, lost writes in bold', () => {
    const md = renderMarkdown(reportWithFault());
    expect(md).toContain('## Faults');
    expect(md).toMatch(/\| kill app-1 \| 1\.02 \| 2\.5 \| 1 to 1\.4 s \(0\.4 s\) \| 3 \| 1 s \| - \|/);
    expect(md).toContain('## Acknowledged writes');
    expect(md).toMatch(/\| media\.like \| 5 \| 4 \| \*\*1\*\* \| 0 \|/);
  });

  it('adds nothing to a report without faults or audits', () => {
    const md = renderMarkdown(buildReport(standardInput()));
    expect(md).not.toContain('## Faults');
    expect(md).not.toContain('## Acknowledged writes');
  });
});
