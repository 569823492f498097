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

function noiseLines(noise: readonly PairNoise[], pairsPerGate: number, title: string): string[] {
  if (noise.length === 0) return [];
  return [
    `  ${title}`,
    ...noise.map(
      (n) =>
        `    ${n.endpoint} ${n.metric}: mean ratio ${n.meanRatio.toFixed(3)}x, sd of ln ratio ${percent(n.sdLogRatio)} over ${n.pairs} pairs; ` +
        `at ${pairsPerGate} pairs the 95% CI is about ±${percent(n.typicalHalfWidth)} and a no-change gate passes ~80% from a tolerance of +${percent(n.toleranceFor80PercentPass)}`,
    ),
  ];
}

/** `feedscale aa` on a terminal or in aa.txt. */
export function renderAaText(summary: AaSummary, thresholds: readonly string[]): string {
  const which = summary.sampled ? `a seeded sample of ${summary.trials}` : `all ${summary.trials}`;
  const lines = [
    `A/A on this machine: "${summary.configuration}", ${summary.pairs} healthy pairs of back-to-back repeats (2j, 2j+1); ` +
      `${which} of ${summary.distinctSplits} distinct splits of ${summary.pairsPerTrial} pairs judged, paired`,
    `  thresholds: ${thresholds.join(', ')}`,
    `  gate verdicts: ${rates(summary.verdicts)}`,
    `  false alarms ${percent(summary.falseAlarmRate)} (target ≤ 5%), inconclusive ${percent(summary.inconclusiveRate)} (target ≤ 20%)`,
    `  the split in run order (first run of each pair as baseline): ${summary.runOrderVerdict}`,
    '  per threshold:',
    ...summary.byThreshold.map(thresholdLine),
    ...noiseLines(summary.noise, summary.pairsPerTrial, 'noise of one pair (A/A: nothing changed):'),
    `  splits share runs, so these rates are as precise as ${summary.pairs} pairs allow, not ${summary.trials} trials`,
    ...(summary.dropped.length > 0 ? [`  left out: ${summary.dropped.join('; ')}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

/** `feedscale power` on a terminal or in power.txt. */
export function renderPowerText(summary: PowerSummary, thresholds: readonly string[]): string {
  const which = summary.sampled ? `a seeded sample of ${summary.trials}` : `all ${summary.trials}`;
  const lines = [
    `Power: "${summary.candidateConfiguration}" against "${summary.baselineConfiguration}", ${summary.pairs} healthy pairs; ` +
      `${which} of ${summary.distinctSubsets} subsets of ${summary.pairsPerTrial} pairs judged, paired`,
    `  thresholds: ${thresholds.join(', ')}`,
    `  gate verdicts: ${rates(summary.verdicts)}`,
    `  detection rate ${percent(summary.detectionRate)} (gate failed on the known regression)`,
    '  per threshold:',
    ...summary.byThreshold.map(thresholdLine),
    ...noiseLines(summary.effect, summary.pairsPerTrial, 'effect and noise of one pair (candidate / baseline):'),
    `  subsets share pairs, so these rates are as precise as ${summary.pairs} pairs allow, not ${summary.trials} trials`,
    ...(summary.dropped.length > 0 ? [`  left out: ${summary.dropped.join('; ')}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}
