import { buildReport } from './build-report.ts';
import { evaluateGate, type GateResult } from './gate/evaluate-gate.ts';
import type { Threshold } from './gate/threshold.ts';
import type { Report } from './report-schema.ts';

/**
 * A/A: how often the gate cries wolf. Runs of one configuration are split into a pseudo-baseline
 * and a pseudo-candidate; nothing changed between them, so every 'failed' verdict is a false
 * alarm. With a well-calibrated gate and 95% intervals the rate should be a few percent at most.
 */
export interface AaPair {
  baseline: Report;
  candidate: Report;
}

/**
 * Splits the repeats of `configuration` into alternate halves (repeats 0, 2, 4 ... vs 1, 3, 5 ...),
 * so drift over time lands on both sides, and builds a report for each. Needs at least 2 repeats.
 */
export function splitForAa(report: Report, configuration = report.comparison.baseline): AaPair {
  const runs = report.runs.filter((r) => r.configuration === configuration).sort((a, b) => a.repeat - b.repeat);
  if (runs.length < 2) throw new Error(`A/A needs at least 2 repeats of "${configuration}", got ${runs.length}`);
  const config = report.configurations.find((c) => c.name === configuration)!;
  const half = (parity: number) =>
    buildReport({ configurations: [config], metadata: report.metadata, runs: runs.filter((_, i) => i % 2 === parity) });
  return { baseline: half(0), candidate: half(1) };
}

export interface AaSummary {
  /** Gate evaluations (one per pair). */
  evaluations: number;
  failed: number;
  inconclusive: number;
  passed: number;
  /** failed / evaluations: the gate's false-alarm rate on these A/A pairs (0 when there are none). */
  falseAlarmRate: number;
  /** Per threshold expression: evaluations (x endpoints) that failed, out of how many. */
  byThreshold: Array<{ expression: string; failed: number; evaluations: number }>;
  results: GateResult[];
}

/** The false-alarm rate of a gate over A/A pairs. Pure; pair i is judged with seed + i. */
export function aaFalseAlarmRate(input: { pairs: readonly AaPair[]; thresholds: ReadonlyArray<string | Threshold>; seed: number; resamples?: number }): AaSummary {
  const results = input.pairs.map((pair, i) =>
    evaluateGate({ baseline: pair.baseline, candidate: pair.candidate, thresholds: input.thresholds, seed: input.seed + i, resamples: input.resamples }),
  );
  return summarizeAa(results);
}

/** The same summary from gate results computed elsewhere. */
export function summarizeAa(results: readonly GateResult[]): AaSummary {
  const count = (verdict: GateResult['verdict']) => results.filter((r) => r.verdict === verdict).length;
  const byThreshold = new Map<string, { failed: number; evaluations: number }>();
  for (const r of results) {
    for (const e of r.evaluations) {
      const entry = byThreshold.get(e.expression) ?? { failed: 0, evaluations: 0 };
      entry.evaluations += 1;
      if (e.status === 'failed') entry.failed += 1;
      byThreshold.set(e.expression, entry);
    }
  }
  return {
    evaluations: results.length,
    failed: count('failed'),
    inconclusive: count('inconclusive'),
    passed: count('passed'),
    falseAlarmRate: results.length === 0 ? 0 : count('failed') / results.length,
    byThreshold: [...byThreshold].map(([expression, v]) => ({ expression, ...v })),
    results: [...results],
  };
}
