import { FeedscaleError } from '../lib/errors.ts';
import type { GateResult } from './gate/evaluate-gate.ts';
import { judgeSubsets, type PairNoise, type RunPair, type TrialsSummary } from './gate/gate-trials.ts';
import { parseThreshold, type Threshold } from './gate/threshold.ts';
import type { Report } from './report-schema.ts';
import { MIN_REPEATS_FOR_VERDICT } from './stats/intervals.ts';
import { describeUnhealthy, selectRepeats } from './stats/repeat-selection.ts';

/**
 * Power: how often the gate detects a regression that is known to be there. One interleaved job
 * runs a baseline and a candidate with an injected regression (20 ms added to every feed read,
 * twice the queries per feed read, ...); repeat i of both ran back to back and forms pair i. The
 * gate is judged on every subset of `pairsPerTrial` pairs (the repeats of the real gate job),
 * or on a seeded sample of the subsets when there are more than `maxTrials`: its fail rate is the
 * detection rate, and the pass and inconclusive rates say how it misses. Subsets share pairs, so
 * they are not independent: the precision of the rate is that of the number of pairs.
 */
export interface PowerInput {
  report: Report;
  baselineConfiguration: string;
  candidateConfiguration: string;
  thresholds: ReadonlyArray<string | Threshold>;
  /** Pairs per judged subset; default all the healthy pairs (one trial). */
  pairsPerTrial?: number;
  maxTrials?: number;
  seed: number;
  confidence?: number;
}

export interface PowerSummary extends TrialsSummary {
  baselineConfiguration: string;
  candidateConfiguration: string;
  /** Repeats with a healthy attempt on both sides. */
  pairs: number;
  pairsPerTrial: number;
  /** C(pairs, pairsPerTrial). */
  distinctSubsets: number;
  trials: number;
  sampled: boolean;
  /** Trials whose gate failed, / trials. */
  detectionRate: number;
  /** Repeats left out: no healthy attempt on one side. */
  dropped: string[];
  /** Per relative threshold: the effect the pairs show (meanRatio) and their spread. */
  effect: PairNoise[];
  results: GateResult[];
}

/** Repeats of `baseline` and `candidate` that both have a healthy attempt, as pairs (baseline first). */
export function configurationPairs(report: Report, baseline: string, candidate: string): { pairs: RunPair[]; dropped: string[] } {
  const base = selectRepeats(report.runs, baseline);
  const cand = selectRepeats(report.runs, candidate);
  const candByRepeat = new Map(cand.healthy.map((r) => [r.repeat, r]));
  const pairs: RunPair[] = [];
  const dropped = [...base.unhealthy, ...cand.unhealthy].map(describeUnhealthy);
  for (const first of base.healthy) {
    const second = candByRepeat.get(first.repeat);
    if (second) pairs.push({ first, second });
  }
  return { pairs, dropped };
}

/** The detection rate of a gate on one job's baseline and regressed candidate. Pure and deterministic for a seed. */
export function runPower(input: PowerInput): PowerSummary {
  const thresholds = input.thresholds.map((t) => (typeof t === 'string' ? parseThreshold(t) : t));
  const names = input.report.configurations.map((c) => c.name);
  for (const name of [input.baselineConfiguration, input.candidateConfiguration]) {
    if (!names.includes(name)) throw new FeedscaleError('CFG_ERR_INVALID', `configuration "${name}" is not in the report (${names.join(', ')})`);
  }
  if (input.baselineConfiguration === input.candidateConfiguration) throw new FeedscaleError('CFG_ERR_INVALID', 'power needs two different configurations');
  const { pairs, dropped } = configurationPairs(input.report, input.baselineConfiguration, input.candidateConfiguration);
  const plan = input.report.metadata.plan;
  const judged = judgeSubsets({
    pairs,
    pairsPerTrial: input.pairsPerTrial,
    orientations: false,
    sides: { baseline: { configuration: input.baselineConfiguration, plan }, candidate: { configuration: input.candidateConfiguration, plan } },
    thresholds,
    maxTrials: input.maxTrials,
    seed: input.seed,
    confidence: input.confidence,
    tooFewPairs: `power needs at least ${MIN_REPEATS_FOR_VERDICT} repeats healthy on both configurations, got ${pairs.length}${dropped.length > 0 ? ` (${dropped.join('; ')})` : ''}`,
  });
  return {
    ...judged.summary,
    baselineConfiguration: input.baselineConfiguration,
    candidateConfiguration: input.candidateConfiguration,
    pairs: pairs.length,
    pairsPerTrial: judged.pairsPerTrial,
    distinctSubsets: judged.distinct,
    trials: judged.results.length,
    sampled: judged.sampled,
    detectionRate: judged.summary.verdicts.failRate,
    dropped,
    effect: judged.noise,
    results: judged.results,
  };
}
