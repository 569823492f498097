import type { AaSummary } from '../aa.ts';
import type { PairNoise, StatusCounts, ThresholdTrials } from '../gate/gate-trials.ts';
import type { PowerSummary } from '../power.ts';

/** Percent with one decimal: 0.0625 -> "6.3%". */
function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

function rates(c: StatusCounts): string {
  return `pass ${percent(c.passRate)}, fail ${percent(c.failRate)}, inconclusive ${percent(c.inconclusiveRate)} (of ${c.total})`;
}

function thresholdLine(t: ThresholdTrials): string {
  const by = t.inconclusiveBy;
  const causes = t.inconclusive > 0 ? `; inconclusive: straddles ${by.straddles}, too few repeats ${by.tooFewRepeats}, no verdict ${by.noVerdict}, other ${by.other}` : '';
  return `    ${t.expression} on ${t.endpoint}: ${rates(t)}${causes}`;
}

/** What the threshold's own limit means at this noise: "; with its limit: passes ~93%, fails 90% of 1.21x". */
function ownLimit(n: PairNoise): string {
  if (n.expectedPassRate === null || n.detected90AtRatio === null) return '';
  return `; with its own limit a no-change gate passes ~${percent(n.expectedPassRate)} and a change of ${n.detected90AtRatio.toFixed(3)}x fails 90%`;
}

/** The spread of one pair per threshold; for A/A also the smallest tolerance a no-change gate passes (docs/statistics.md). */
function noiseLines(noise: readonly PairNoise[], pairsPerGate: number, title: string, withTolerance: boolean): string[] {
  if (noise.length === 0) return [];
  return [
    `  ${title}`,
    ...noise.map(
      (n) =>
        `    ${n.endpoint} ${n.metric}: mean ratio ${n.meanRatio.toFixed(3)}x, sd of ln ratio ${percent(n.sdLogRatio)} over ${n.pairs} pairs; ` +
        `at ${pairsPerGate} pairs the 95% CI is about ±${percent(n.typicalHalfWidth)}` +
        (withTolerance ? `; a no-change gate passes ~90% from a tolerance of ${percent(n.toleranceFor90PercentPass)}${ownLimit(n)}` : ''),
    ),
  ];
}

/** The lines every trial summary has, around its headline: thresholds, verdicts, per threshold, noise, precision, what was left out. */
function trialLines(
  summary: AaSummary | PowerSummary,
  thresholds: readonly string[],
  headline: string[],
  noise: { entries: readonly PairNoise[]; title: string; withTolerance: boolean },
  units: string,
): string {
  const lines = [
    headline[0]!,
    `  thresholds: ${thresholds.join(', ')}`,
    `  gate verdicts: ${rates(summary.verdicts)}`,
    ...headline.slice(1),
    '  per threshold:',
    ...summary.byThreshold.map(thresholdLine),
    ...noiseLines(noise.entries, summary.pairsPerTrial, noise.title, noise.withTolerance),
    `  ${units} share runs, so these rates are as precise as ${summary.pairs} pairs allow, not ${summary.trials} trials`,
    ...(summary.dropped.length > 0 ? [`  left out: ${summary.dropped.join('; ')}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

function judged(summary: AaSummary | PowerSummary): string {
  return summary.sampled ? `a seeded sample of ${summary.trials}` : `all ${summary.trials}`;
}

/** `feedscale aa` on a terminal or in aa.txt. */
export function renderAaText(summary: AaSummary, thresholds: readonly string[]): string {
  const headline = [
    `A/A on this machine: "${summary.configuration}", ${summary.pairs} healthy pairs of back-to-back ` +
      `${summary.twinConfiguration ? `runs of it and "${summary.twinConfiguration}" (repeat j of both, one request stream)` : 'repeats (2j, 2j+1)'}; ` +
      `${judged(summary)} of ${summary.distinctSplits} distinct splits of ${summary.pairsPerTrial} pairs judged, paired`,
    `  false alarms ${percent(summary.falseAlarmRate)} (target ≤ 5%), inconclusive ${percent(summary.inconclusiveRate)} (target ≤ 20%)`,
    `  the split in run order (first run of each pair as baseline): ${summary.runOrderVerdict}`,
  ];
  return trialLines(summary, thresholds, headline, { entries: summary.noise, title: 'noise of one pair (A/A: nothing changed):', withTolerance: true }, 'splits');
}

/** `feedscale power` on a terminal or in power.txt. */
export function renderPowerText(summary: PowerSummary, thresholds: readonly string[]): string {
  const headline = [
    `Power: "${summary.candidateConfiguration}" against "${summary.baselineConfiguration}", ${summary.pairs} healthy pairs; ` +
      `${judged(summary)} of ${summary.distinctSubsets} subsets of ${summary.pairsPerTrial} pairs judged, paired`,
    `  detection rate ${percent(summary.detectionRate)} (gate failed on the known regression)`,
  ];
  return trialLines(summary, thresholds, headline, { entries: summary.effect, title: 'effect and noise of one pair (candidate / baseline):', withTolerance: false }, 'subsets');
}
