import type { GateResult, ThresholdStatus } from './gate/evaluate-gate.ts';
import { buildTrial, designAt, judgeSubsets, judgeTrials, type PairNoise, type RunPair, type TrialsSummary } from './gate/gate-trials.ts';
import { parseThreshold, type Threshold } from './gate/threshold.ts';
import type { Report } from './report-schema.ts';
import { MIN_REPEATS_FOR_VERDICT } from './stats/intervals.ts';
import { describeUnhealthy, selectRepeats } from './stats/repeat-selection.ts';
import { FeedscaleError } from '../lib/errors.ts';
import { configurationPairs } from './power.ts';

/**
 * A/A: how the gate behaves when nothing changed. The base stack runs as two identical
 * configurations interleaved (`a`, `a-twin`), exactly like a gate job of A and B: repeat j of
 * both ran back to back on the same request stream (the repeat's seed), so they form pair j.
 * (Older A/A jobs of one configuration pair its repeats 2j and 2j+1 instead: back to back too,
 * but on two different request streams, which adds the streams' difference to the noise and
 * overstates it: 12% per pair for p(50) where twins showed 3.5%, docs/statistics.md.) A split
 * sends one run of each pair to a pseudo-baseline and the other to a pseudo-candidate: the
 * honest analogue of a paired gate job, whose pairs always ran back to back (splitting repeats
 * freely would pair runs far apart in time, which no real job does). Every
 * distinct split is judged when there are at most `maxTrials` (2^k splits of k pairs, times the
 * choices of k out of all pairs when a split takes fewer), else a seeded sample of them.
 *
 * Nothing differs between the halves, so a failed verdict is a false alarm and an inconclusive one
 * is a gate that cannot decide: both rates are reported, overall and per threshold. Splits share
 * runs, so they are not independent trials: the rates estimate this machine's behaviour, and their
 * precision is that of the number of pairs, not of the number of splits.
 */
export interface AaInput {
  report: Report;
  configuration: string;
  /** The identical configuration run right after `configuration` in every repeat; without it, repeats 2j and 2j+1 of `configuration` pair. */
  twinConfiguration?: string;
  thresholds: ReadonlyArray<string | Threshold>;
  /** Pairs in each judged split (the repeats of the gate job this stands for); default all the healthy pairs. */
  pairsPerTrial?: number;
  /** Above this many distinct splits, a seeded sample of this many is judged (default DEFAULT_MAX_TRIALS). */
  maxTrials?: number;
  seed: number;
  confidence?: number;
}

export interface AaSummary extends TrialsSummary {
  configuration: string;
  /** The twin configuration the pairs were formed with; undefined when repeats 2j and 2j+1 of `configuration` were paired. */
  twinConfiguration?: string;
  /** Pairs with a healthy attempt on both runs. */
  pairs: number;
  pairsPerTrial: number;
  /** C(pairs, pairsPerTrial) x 2^pairsPerTrial. */
  distinctSplits: number;
  trials: number;
  /** true when a seeded sample of the distinct splits was judged. */
  sampled: boolean;
  /** Trials whose gate failed, / trials: the false-alarm rate. */
  falseAlarmRate: number;
  /** Trials whose gate could not decide, / trials. */
  inconclusiveRate: number;
  /**
   * The split in run order (the first run of each of the first pairsPerTrial pairs as baseline),
   * judged on its own: a machine where the second run of a pair is systematically slower fails
   * here while random splits average it out.
   */
  runOrderVerdict: ThresholdStatus;
  /** Pairs left out because a run of them was unhealthy in every attempt, or had no partner. */
  dropped: string[];
  /** Per relative threshold: the spread of the per-pair log ratios and the tolerance it supports. */
  noise: PairNoise[];
  results: GateResult[];
}

/** Pairs (2j, 2j+1) of `configuration`'s repeats whose two runs have a healthy attempt. */
export function adjacentPairs(report: Report, configuration: string): { pairs: RunPair[]; dropped: string[] } {
  const selection = selectRepeats(report.runs, configuration);
  const healthy = new Map(selection.healthy.map((r) => [r.repeat, r]));
  const repeats = [...new Set(report.runs.filter((r) => r.configuration === configuration).map((r) => r.repeat))];
  const pairs: RunPair[] = [];
  const dropped: string[] = selection.unhealthy.map(describeUnhealthy);
  for (const j of [...new Set(repeats.map((r) => Math.floor(r / 2)))].sort((a, b) => a - b)) {
    const first = healthy.get(2 * j);
    const second = healthy.get(2 * j + 1);
    if (first && second) pairs.push({ first, second });
    else if (first || second) dropped.push(`pair ${j} (repeats ${2 * j} and ${2 * j + 1}) has one healthy run only`);
  }
  return { pairs, dropped };
}

/** The A/A summary of a gate on one configuration's repeats. Pure and deterministic for a seed. */
export function runAa(input: AaInput): AaSummary {
  const thresholds = input.thresholds.map((t) => (typeof t === 'string' ? parseThreshold(t) : t));
  const { configuration, twinConfiguration: twin } = input;
  for (const name of twin ? [configuration, twin] : [configuration]) {
    if (!input.report.configurations.some((c) => c.name === name)) {
      throw new FeedscaleError('CFG_ERR_INVALID', `A/A configuration "${name}" is not in the report (${input.report.configurations.map((c) => c.name).join(', ')})`);
    }
  }
  const { pairs, dropped } = twin ? configurationPairs(input.report, configuration, twin) : adjacentPairs(input.report, configuration);
  const side = { configuration, plan: input.report.metadata.plan };
  const sides = { baseline: side, candidate: side };
  const judged = judgeSubsets({
    pairs,
    pairsPerTrial: input.pairsPerTrial,
    orientations: true,
    sides,
    thresholds,
    maxTrials: input.maxTrials,
    seed: input.seed,
    confidence: input.confidence,
    tooFewPairs: twin
      ? `A/A needs at least ${MIN_REPEATS_FOR_VERDICT} repeats healthy on both "${configuration}" and "${twin}", got ${pairs.length}` +
        `${dropped.length > 0 ? ` (${dropped.join('; ')})` : ''}; run at least ${MIN_REPEATS_FOR_VERDICT} repeats`
      : `A/A needs at least ${MIN_REPEATS_FOR_VERDICT} pairs of healthy back-to-back repeats (2j, 2j+1) of "${configuration}", got ${pairs.length}` +
        `${dropped.length > 0 ? ` (${dropped.join('; ')})` : ''}; run at least ${2 * MIN_REPEATS_FOR_VERDICT} repeats`,
  });
  const [runOrder] = judgeTrials([buildTrial(pairs, designAt(0, pairs.length, judged.pairsPerTrial, true), sides)], thresholds, input.confidence);
  return {
    ...judged.summary,
    configuration,
    ...(twin ? { twinConfiguration: twin } : {}),
    pairs: pairs.length,
    pairsPerTrial: judged.pairsPerTrial,
    distinctSplits: judged.distinct,
    trials: judged.results.length,
    sampled: judged.sampled,
    falseAlarmRate: judged.summary.verdicts.failRate,
    inconclusiveRate: judged.summary.verdicts.inconclusiveRate,
    runOrderVerdict: runOrder!.verdict,
    dropped,
    noise: judged.noise,
    results: judged.results,
  };
}
