import { formatMs, formatRps } from '../render/format.ts';
import type { Report } from '../report-schema.ts';
import { TARGET_DOMAIN_UTILISATION, type ModelRow } from './model-validation-schema.ts';

/**
 * The "model vs measured" table as cells, shared by report.md, report.html and the terminal so
 * that the three say the same thing. One row per configuration, endpoint, repeat and step.
 */
export const MODEL_COLUMNS = [
  'configuration',
  'endpoint',
  'run',
  'rate rps',
  'p50 ms measured / model',
  'p50 error',
  'p99 ms measured / model',
  'p99 error',
  'throughput measured / model',
  'throughput error',
  'bottleneck (model)',
  'calibrated on',
] as const;

const ms = (v: number | null) => (v === null ? 'n/a' : formatMs(v));
const rps = (v: number | null) => (v === null ? 'n/a' : formatRps(v));
export const formatError = (e: number | null) => (e === null ? 'n/a' : `${e >= 0 ? '+' : ''}${(e * 100).toFixed(1)}%`);

function runLabel(row: ModelRow): string {
  return row.step === null ? `r${row.repeat}` : `r${row.repeat} step ${row.step}`;
}

export function modelRowCells(row: ModelRow): string[] {
  const flags = [row.generatorValid ? '' : ' (generator unhealthy)', row.foreignCores !== null && row.foreignCores > 0.2 ? ` (other work: ${row.foreignCores.toFixed(2)} cores)` : ''].join('');
  return [
    row.configuration,
    row.endpoint,
    `${runLabel(row)}${flags}`,
    formatRps(row.intendedRps),
    `${ms(row.measured.p50Ms)} / ${ms(row.predicted.p50Ms)}`,
    formatError(row.error.p50),
    `${ms(row.measured.p99Ms)} / ${ms(row.predicted.p99Ms)}`,
    formatError(row.error.p99),
    `${rps(row.measured.throughputRps)} / ${rps(row.predicted.throughputRps)}`,
    formatError(row.error.throughput),
    `${row.bottleneck} ${(row.bottleneckUtilisation * 100).toFixed(0)}%${row.bottleneckUtilisation > TARGET_DOMAIN_UTILISATION ? ' (beyond 80%)' : ''}`,
    row.inSample ? 'itself (in-sample)' : row.calibratedOn.join(', '),
  ];
}

/** One sentence: the median absolute errors where the targets apply. */
export function modelSummaryText(report: Report): string | null {
  const model = report.model;
  if (!model) return null;
  const s = model.summary;
  if (s.rows === 0) return 'No interval had the model’s bottleneck at or below 80% utilisation: no accuracy figure.';
  return (
    `Median absolute error over ${s.rows} row(s) with the bottleneck at most 80% utilised: p50 ${formatError(s.p50MedianAbsError).replace('+', '')}, ` +
    `p99 ${formatError(s.p99MedianAbsError).replace('+', '')}, throughput ${formatError(s.throughputMedianAbsError).replace('+', '')} (targets: 10%, 20%, 5%).`
  );
}

/** Host-contention sentences for one endpoint's latency table. */
export function contentionLines(report: Report, endpoint: string): Array<{ configuration: string; baseline: string; text: string }> {
  return (report.model?.contention ?? []).filter((c) => c.endpoint === endpoint).map((c) => ({ configuration: c.configuration, baseline: c.baseline, text: c.text }));
}

/** "PREDICTED by the model ..." for reports of `feedscale simulate`, else null. */
export function predictionBanner(report: Report): string | null {
  const p = report.prediction;
  if (!p) return null;
  return `PREDICTED, not measured: every figure comes from the reference-stack model (${p.method}, ${p.placement}; calibration ${p.calibration}).`;
}

/** "knee shards-2: 640 req/s (0.58M users); above it: feed.read p99 > 250 ms", per configuration of a predicted report. */
export function predictionKneeLines(report: Report): string[] {
  return (report.prediction?.knees ?? []).map((k) => {
    const users = k.usersSupported === null ? '' : ` (${(k.usersSupported / 1e6).toFixed(2)}M users at 2011 per-user rates)`;
    return `predicted knee of ${k.configuration}: ${k.kneeRateRps === null ? 'below the lowest rate tried' : `${formatRps(k.kneeRateRps)} req/s${users}`}; above it: ${k.limitedBy}`;
  });
}
