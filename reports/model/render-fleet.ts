import type { FleetSizing } from '../../simulator/fleet-sizing/size-fleet.ts';
import { formatMs, formatRps } from '../render/format.ts';

/**
 * The scale-up prediction (`feedscale simulate --users N`) as markdown: the load, the fleet per
 * tier with its utilisation, latency per endpoint, and the fleet beside the 2011 one with the
 * ratio and why they differ. Reads the same on a terminal.
 */
export function renderFleetMarkdown(fleet: FleetSizing): string {
  const pct = (v: number) => `${(v * 100).toFixed(0)}%`;
  const gb = (v: number | null) => (v === null ? '' : `${v.toFixed(1)} GB`);
  const lines = [
    `# Predicted fleet for ${(fleet.users / 1e6).toFixed(2)}M users at 2011 peak per-user rates`,
    '',
    `Load: ${formatRps(fleet.totalRateRps)} req/s (${fleet.classes.map((c) => `${c.endpoint} ${formatRps(c.rateRps)}`).join(', ')}).`,
    `Cache: Zipf exponent ${fleet.cache.popularity.exponent.toFixed(3)} over ${(fleet.cache.catalogueItems / 1e6).toFixed(0)}M objects; ${fleet.cache.memoryGb.toFixed(1)} GB for the target, hit ratio ${pct(fleet.cache.hitRatio)} with the hosts sized.`,
    `Bottleneck: ${fleet.bottleneck.tier} at ${pct(fleet.bottleneck.utilisation)} CPU.`,
    '',
    '| tier | hosts | cores per host | cores needed | utilisation | memory needed | sized by |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...fleet.tiers.map((t) => `| ${t.tier} | ${t.hosts} | ${t.coresPerHost} | ${t.cpuCoresNeeded.toFixed(2)} | ${pct(t.utilisation)} | ${gb(t.memoryGbNeeded)} | ${t.sizedBy} |`),
    '',
    '| endpoint | rate rps | p50 ms | p99 ms |',
    '| --- | ---: | ---: | ---: |',
    ...fleet.endpoints.map((e) => `| ${e.endpoint} | ${formatRps(e.rateRps)} | ${e.p50Ms === null ? 'n/a' : formatMs(e.p50Ms)} | ${e.p99Ms === null ? 'n/a' : formatMs(e.p99Ms)} |`),
    '',
    `Storage: Postgres ${fleet.storage.postgresDataGb.toFixed(1)} GB of rows and indexes, Redis ${fleet.storage.redisGb.toFixed(1)} GB.`,
    '',
    '## Beside the 2011 fleet',
    '',
    '| tier | predicted hosts | in 2011 hosts (cores x speed) | 2011 hosts | ratio | 2011 source |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    ...fleet.comparison.map((c) => `| ${c.tier} | ${c.predictedHosts} | ${c.predictedHosts2011Cores} | ${c.hosts2011 ?? 'unpublished'} | ${c.ratio === null ? 'n/a' : `${c.ratio.toFixed(2)}x`} | ${c.source} |`),
    '',
    ...fleet.notes.map((n) => `- ${n}`),
  ];
  return `${lines.join('\n')}\n`;
}
