import type { Report, SummaryRow, VsBaseline } from '../report-schema.ts';
import { methodLabel, MIN_REPEATS_FOR_VERDICT } from '../stats/intervals.ts';
import { selectRepeats } from '../stats/repeat-selection.ts';
import { formatCount, formatGiB, formatMs, formatRatio, formatRps } from './format.ts';

/**
 * The comparison tables as plain cells, shared by every renderer (markdown, terminal),
 * so that all of them show the same numbers.
 */
export interface TableColumn {
  header: string;
  align: 'left' | 'right';
}

export interface EndpointTable {
  endpoint: string;
  verdictUsable: boolean;
  unusableReasons: readonly string[];
  columns: readonly TableColumn[];
  /** One row per configuration, cells in column order. */
  rows: ReadonlyArray<readonly string[]>;
  /** The configuration of each row, in row order (the first cell may carry note markers). */
  configurations: readonly string[];
}

export interface ReportNote {
  /** "1", "2", ...; rows carry it as "[1]". */
  id: string;
  text: string;
}

export interface ComparisonTables {
  tables: EndpointTable[];
  notes: ReportNote[];
}

export const COMPARISON_COLUMNS: readonly TableColumn[] = [
  { header: 'configuration', align: 'left' },
  { header: 'p50 ms', align: 'right' },
  { header: 'p90 ms', align: 'right' },
  { header: 'p99 ms', align: 'right' },
  { header: 'p99.9 ms', align: 'right' },
  { header: 'max ms', align: 'right' },
  { header: 'throughput rps', align: 'right' },
  { header: 'errors', align: 'right' },
  { header: 'unserved', align: 'right' },
  { header: 'p99 vs baseline', align: 'right' },
  { header: 'p99 ratio 95% CI', align: 'right' },
];

export function buildComparisonTables(report: Report): ComparisonTables {
  const { notes, markersOf } = notesFor(report);
  const tables = report.comparison.endpoints.map((comparison): EndpointTable => {
    const rows = comparison.entries.map((entry) => {
      const row = report.summary.find((r) => r.endpoint === comparison.endpoint && r.configuration === entry.configuration);
      if (!row) throw new Error(`internal: no summary row for ${entry.configuration} / ${comparison.endpoint}`);
      const isBaseline = entry.configuration === report.comparison.baseline;
      const ciCell = isBaseline ? '-' : ratioCiCell(entry.vsBaseline);
      return [...cellsOf(row, markersOf(entry.configuration), isBaseline ? 'baseline' : formatRatio(entry.p99RatioToBaseline)), ciCell];
    });
    return {
      endpoint: comparison.endpoint,
      verdictUsable: comparison.verdictUsable,
      unusableReasons: comparison.unusableReasons,
      columns: COMPARISON_COLUMNS,
      rows,
      configurations: comparison.entries.map((e) => e.configuration),
    };
  });
  return { tables, notes };
}

/** "[1.02x, 1.10x] paired t, 5 pairs"; without a CI, why in a few words ("needs ≥ 3 repeats"). */
export function ratioCiCell(vs: VsBaseline | undefined): string {
  const ci = vs?.p99.ratioCi;
  if (vs && ci) return `[${formatRatio(ci.low)}, ${formatRatio(ci.high)}] ${methodLabel(vs.method, vs)}`;
  return vs?.ciUnavailableReason.startsWith('needs ≥') ? `needs ≥ ${MIN_REPEATS_FOR_VERDICT} repeats` : 'n/a';
}

function cellsOf(row: SummaryRow, markers: string, ratioCell: string): string[] {
  const p = row.fromIntended;
  return [
    `${row.configuration}${markers}`,
    formatMs(p.p50Ms),
    formatMs(p.p90Ms),
    formatMs(p.p99Ms),
    formatMs(p.p999Ms),
    formatMs(p.maxMs),
    formatRps(row.throughputMeanRps),
    formatCount(row.errorsTotal),
    formatCount(row.unservedTotal),
    ratioCell,
  ];
}

/** Footnotes per configuration: closed-loop labels and runs whose load generator was unhealthy. */
function notesFor(report: Report): { notes: ReportNote[]; markersOf: (configuration: string) => string } {
  const notes: ReportNote[] = [];
  const byConfiguration = new Map<string, string[]>();
  const add = (configuration: string, text: string) => {
    const id = String(notes.length + 1);
    notes.push({ id, text });
    byConfiguration.set(configuration, [...(byConfiguration.get(configuration) ?? []), id]);
  };
  for (const { name } of report.configurations) {
    const runs = report.runs.filter((r) => r.configuration === name);
    const closed = runs.filter((r) => r.loadModel === 'closed');
    if (closed.length > 0) {
      const drivers = [...new Set(closed.map((r) => r.driver))].join(', ');
      add(name, `${name}: closed-loop run (${drivers}); its latency excludes queueing before send and is shown as a label only, never used for a verdict.`);
    }
    const { healthy } = selectRepeats(runs, name);
    for (const run of runs.filter((r) => !r.generator.valid)) {
      const reasons = run.generator.reasons.length > 0 ? run.generator.reasons.join('; ') : 'no reason recorded';
      const attempts = runs.filter((r) => r.repeat === run.repeat).length;
      const which = attempts > 1 ? ` attempt ${run.attempt}` : '';
      const instead = healthy.find((r) => r.repeat === run.repeat);
      const consequence = instead ? `left out: attempt ${instead.attempt} of this repeat was healthy and is used instead` : 'this run gives no verdict';
      add(name, `${name} repeat ${run.repeat}${which}: load generator saturated (${reasons}); ${consequence}.`);
    }
  }
  const markersOf = (configuration: string) => (byConfiguration.get(configuration) ?? []).map((id) => ` [${id}]`).join('');
  return { notes, markersOf };
}

/** Metadata as "label: value" pairs, in display order. */
export function metadataPairs(report: Report): Array<[label: string, value: string]> {
  const m = report.metadata;
  const configurations = report.configurations
    .map((c) => (c.name === report.comparison.baseline ? `${c.name} (baseline)` : c.name))
    .join(', ');
  const version = m.gitCommit ? `${m.feedscaleVersion} (commit ${m.gitCommit.slice(0, 12)})` : m.feedscaleVersion;
  return [
    ['plan', m.plan],
    ['seed', String(m.seed)],
    ['configurations', configurations],
    ['images', `${m.imageCatalog.used} catalog (requested ${m.imageCatalog.requested}): ${m.imageCatalog.reason}`],
    ['host', `${m.host.cores} cores, ${formatGiB(m.host.memoryBytes)}, ${m.host.platform}, Node ${m.host.node}`],
    ['generators', loadGeneratorsText(report.runs)],
    ['feedscale', version],
    ['created', m.createdAt],
  ];
}

/**
 * How many load generators ran and where, over the runs: "1 per run, in the harness process", or
 * for runs split over several (RunResult.generators) "2 per run, processes of their own on host-a"
 * (each one's pid and health are in report.json).
 */
export function loadGeneratorsText(runs: Report['runs']): string {
  const texts = runs.map((r) => {
    if (!r.generators) return r.driver === 'k6' ? '1 per run, k6' : '1 per run, in the harness process';
    const hosts = [...new Set(r.generators.map((g) => g.host))].join(', ');
    return `${r.generators.length} per run, ${r.driver === 'k6' ? 'k6 runners' : 'processes of their own'} on ${hosts}`;
  });
  return [...new Set(texts)].join('; ') || 'none';
}

export const LATENCY_LEGEND =
  'Latency is measured from each request\'s intended start (coordinated-omission free), merged over repeats.';

/** Server-side differences shown per configuration under each comparison table: the top few. */
export const SERVER_SIDE_ITEMS_SHOWN = 3;

export interface ServerSideLine {
  configuration: string;
  baseline: string;
  /** "cache hit ratio 0.0% vs 73.6%; Postgres tuples fetched +299% (3332 vs 836/s)", or why there is none. */
  text: string;
}

/**
 * One line per non-baseline configuration from report.attribution (none when the report has no
 * server metrics): its largest server-side differences, candidate value first.
 */
export function serverSideLines(report: Report, shown = SERVER_SIDE_ITEMS_SHOWN): ServerSideLine[] {
  return (report.attribution ?? []).map((a) => {
    const more = a.items.length > shown ? `; ${a.items.length - shown} more in report.html` : '';
    const text = a.unavailableReason
      ? a.unavailableReason
      : a.items.length === 0
        ? 'no notable difference'
        : a.items.slice(0, shown).map((i) => i.sentence).join('; ') + more;
    return { configuration: a.configuration, baseline: a.baseline, text };
  });
}
