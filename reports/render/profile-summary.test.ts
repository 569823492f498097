import { describe, expect, it } from 'vitest';
import type { RunProfile } from '../../lib/profile-schema.ts';
import { buildReport } from '../build-report.ts';
import { standardInput } from '../testing/run-fixtures.ts';
import { renderHtml } from './html.ts';
import { renderMarkdown } from './markdown.ts';
import { hrefOf, overheadSentence } from './profile-summary.ts';

const side = (instance: string, p50Ms: number, p99Ms: number, cpu: number) => ({ instances: [instance], requests: 400, p50Ms, p99Ms, cpuPercentMean: cpu });

const PROFILE: RunProfile = {
  tool: 'flame',
  instance: 'app-0',
  dir: 'runs/feed-read/memcached-on.r0.clinic',
  htmlPath: 'runs/feed-read/memcached-on.r0.clinic/17.clinic-flame.html',
  analysisS: 52.4,
  overhead: { profiled: side('app-0', 4.4, 30, 36), others: side('app-1', 4, 20, 24), p50Change: 0.1, p99Change: 0.5, cpuChange: 0.5 },
  frames: {
    samples: 30_000,
    idleSamples: 20_000,
    loadingSamples: 1_000,
    busySamples: 9_000,
    hottest: [
      { name: 'readFeed', source: 'system/feed/feed-reads.ts:42', selfSamples: 900, selfShare: 0.1, inclusiveShare: 0.4 },
      { name: 'writev [SHARED_LIB]', selfSamples: 450, selfShare: 0.05, inclusiveShare: 0.05 },
      { name: 'serialize', source: 'fast-json-stringify/index.js:10', selfSamples: 270, selfShare: 0.03, inclusiveShare: 0.06 },
      { name: 'fourth', source: 'x.ts:1', selfSamples: 9, selfShare: 0.001, inclusiveShare: 0.001 },
    ],
  },
};

function profiledReport() {
  const input = standardInput();
  const runs = input.runs.map((r) => (r.configuration === 'memcached-on' && r.repeat === 0 ? { ...r, profile: PROFILE } : r));
  return buildReport({ ...input, runs });
}

describe('profiles in the report', () => {
  it('report.html links clinic\'s page beside the overhead and the three hottest frames', () => {
    const html = renderHtml(profiledReport());
    expect(html).toContain('<h2>Profiles</h2>');
    expect(html).toContain('<a href="runs/feed-read/memcached-on.r0.clinic/17.clinic-flame.html">app-0 · clinic flame</a>');
    expect(html).toContain('+10.0% (4.40 vs 4.00 ms)');
    expect(html).toContain('+50.0% (30.0 vs 20.0 ms)');
    expect(html).toContain('<code>readFeed</code> (system/feed/feed-reads.ts:42): 10.0% self, 40.0% inclusive');
    expect(html).not.toContain('fourth');
    // A link is navigation, not a fetch: still no URL scheme, script or stylesheet link.
    expect(html).not.toMatch(/https?:\/\/|<script|<link|@import|url\(/i);
  });

  it('report.md links it relative to where the report is written, with the overhead sentence', () => {
    const md = renderMarkdown(profiledReport(), { jobFolderHref: '../' });
    expect(md).toContain('## Profiles');
    expect(md).toContain('[app-0 clinic flame](../runs/feed-read/memcached-on.r0.clinic/17.clinic-flame.html)');
    expect(md).toContain('profiled instance app-0: +10.0% p50, +50.0% p99 upstream time, +50.0% CPU vs app-1 (same run)');
    expect(md).toContain('`readFeed (system/feed/feed-reads.ts:42): 10.0% self, 40.0% inclusive`');
  });

  it('says nothing about profiles when no run was profiled', () => {
    const report = buildReport(standardInput());
    expect(renderHtml(report)).not.toContain('Profiles');
    expect(renderMarkdown(report)).not.toContain('Profiles');
  });

  it('escapes each path segment of a link and words a run without a comparison', () => {
    expect(hrefOf('runs/my plan/a.r0.clinic/1.clinic-doctor.html', '../')).toBe('../runs/my%20plan/a.r0.clinic/1.clinic-doctor.html');
    const { overhead: _overhead, ...alone } = PROFILE;
    expect(overheadSentence(alone)).toMatch(/^profiled instance app-0: no overhead figure/);
  });
});
