import type { Metric, ServerSummary } from '../../server-summary-schema.ts';
import { kindLabel } from '../../server-side/service-kind.ts';
import { formatBytes, formatPercent, formatQuantity } from '../format.ts';
import { escapeHtml, num } from '../svg.ts';
import { swatch } from './elements.ts';

/** One row of the server summary table: a quantity, read from each configuration's summary. */
interface SummaryRowSpec {
  label: string;
  pick: (s: ServerSummary) => Metric | undefined;
  format: (v: number) => string;
  meter?: boolean;
  group?: boolean;
}

function metricCell(metric: Metric | undefined, spec: SummaryRowSpec): string {
  if (!metric) return '<td class="n">–</td>';
  const values = metric.perRepeat.filter((v): v is number => v !== null);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const range = values.length > 1 && spec.format(min) !== spec.format(max) ? ` <span class="ci">${escapeHtml(spec.format(min))}–${escapeHtml(spec.format(max))}</span>` : '';
  const meter = spec.meter ? `<span class="meter"><span style="width:${num(Math.min(1, Math.max(0, metric.mean)) * 100)}%"></span></span>` : '';
  return `<td class="n">${meter}${escapeHtml(spec.format(metric.mean))}${range}</td>`;
}

function summaryRowSpecs(summaries: readonly ServerSummary[]): SummaryRowSpec[] {
  const q = formatQuantity;
  const ms = (v: number) => q(v);
  const x = (v: number) => `${v.toFixed(2)}x`;
  const specs: SummaryRowSpec[] = [
    { label: 'cache hit ratio', pick: (s) => s.cache?.hitRatio, format: formatPercent, meter: true },
    { label: 'memcached gets/s', pick: (s) => s.cache?.getsPerS, format: q },
    { label: 'memcached evictions/s', pick: (s) => s.cache?.evictionsPerS, format: q },
    ...cacheInstanceRows(summaries),
    { label: 'pgbouncer clients waiting, max', pick: (s) => s.pgbouncer?.clientsWaitingMax, format: q, group: true },
    { label: 'pgbouncer clients waiting, mean (all shards)', pick: (s) => s.pgbouncer?.clientsWaitingMean, format: q },
    { label: 'pgbouncer longest client wait, ms', pick: (s) => s.pgbouncer?.maxWaitMs, format: ms },
    { label: 'pgbouncer wait per transaction, ms', pick: (s) => s.pgbouncer?.waitPerXactMs, format: ms },
    { label: 'Postgres transactions/s (all shards)', pick: (s) => s.postgres?.xactPerS, format: q, group: true },
    { label: 'Postgres tuples fetched/s (all shards)', pick: (s) => s.postgres?.tupFetchedPerS, format: q },
    { label: 'shard skew (busiest / mean transactions/s)', pick: (s) => s.postgres?.shardSkew, format: x },
    { label: 'Redis ops/s', pick: (s) => s.redis?.opsPerS, format: q, group: true },
    { label: 'Redis memory', pick: (s) => s.redis?.memoryBytes, format: formatBytes },
    { label: 'app time behind nginx, mean ms', pick: (s) => s.nginx?.upstreamMeanMs, format: ms, group: true },
  ];
  const instances = [...new Set(summaries.flatMap((s) => (s.nginx?.upstreams ?? []).map((u) => u.instance)))];
  for (const instance of instances) {
    const of = (s: ServerSummary) => s.nginx?.upstreams.find((u) => u.instance === instance);
    specs.push({ label: `${instance} upstream mean ms`, pick: (s) => of(s)?.meanMs, format: ms });
    specs.push({ label: `${instance} upstream p99 ms`, pick: (s) => of(s)?.p99Ms, format: ms });
  }
  specs.push(
    { label: 'app instance skew (slowest / mean upstream time)', pick: (s) => s.nginx?.upstreamTimeSkew, format: x },
    { label: 'app instance load skew (busiest / mean requests)', pick: (s) => s.nginx?.requestSkew, format: x },
    { label: 'app CPU, cores (all instances)', pick: (s) => s.apps?.cpuCores, format: q, group: true },
  );
  const apps = [...new Set(summaries.flatMap((s) => (s.apps?.instances ?? []).map((a) => a.instance)))];
  for (const instance of apps) specs.push({ label: `${instance} CPU, cores`, pick: (s) => s.apps?.instances.find((a) => a.instance === instance)?.cpuCores, format: q });
  specs.push({ label: 'app event-loop delay p99 (worst instance), ms', pick: (s) => s.apps?.eventLoopLagP99MsMax, format: ms });
  const kinds = [...new Set(summaries.flatMap((s) => (s.containers ?? []).map((c) => c.kind)))].sort();
  kinds.forEach((kind, i) => {
    specs.push({ label: `${kindLabel(kind)} containers CPU, % of a core`, pick: (s) => s.containers?.find((c) => c.kind === kind)?.cpuPercent, format: q, group: i === 0 });
  });
  const queues = [...new Set(summaries.flatMap((s) => (s.queues ?? []).map((c) => c.queue)))].sort();
  queues.forEach((queue, i) => {
    const of = (s: ServerSummary) => s.queues?.find((c) => c.queue === queue);
    specs.push({ label: `${queue} queue depth, max jobs`, pick: (s) => of(s)?.depthMax, format: q, group: i === 0 });
    specs.push({ label: `${queue} queue lag, ms`, pick: (s) => of(s)?.lagMs, format: ms });
  });
  // A row nobody measured is noise.
  return specs.filter((spec) => summaries.some((s) => spec.pick(s) !== undefined));
}

/** Each memcached instance's own hit ratio, when some configuration runs more than one (with one, the tier's row says it). */
function cacheInstanceRows(summaries: readonly ServerSummary[]): SummaryRowSpec[] {
  if (!summaries.some((s) => (s.cache?.instances?.length ?? 0) > 1)) return [];
  const indexes = [...new Set(summaries.flatMap((s) => (s.cache?.instances ?? []).map((i) => i.index)))].sort((a, b) => a - b);
  return indexes.map((index) => ({
    label: `memcached instance ${index} hit ratio`,
    pick: (s: ServerSummary) => s.cache?.instances?.find((i) => i.index === index)?.hitRatio,
    format: formatPercent,
    meter: true,
  }));
}

/** The ServerSummary of each measured configuration as one table, with units; rows nobody measured are left out. */
export function serverSummaryTable(measured: readonly ServerSummary[], colors: ReadonlyMap<string, string>): string {
  const specs = summaryRowSpecs(measured);
  if (specs.length === 0) return '<p class="note">The collectors recorded nothing this report knows how to summarize; see the raw values.</p>';
  const head = measured.map((s) => `<th class="n">${swatch(colors.get(s.configuration))}${escapeHtml(s.configuration)}<br><span class="ci">${s.repeats.length} repeat${s.repeats.length === 1 ? '' : 's'}</span></th>`).join('');
  const rows = specs.map((spec) => `<tr${spec.group ? ' class="group"' : ''}><td>${escapeHtml(spec.label)}</td>${measured.map((s) => metricCell(spec.pick(s), spec)).join('')}</tr>`);
  return `<div class="scroll"><table class="server"><thead><tr><th>quantity</th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}
