import type { AaPair } from '../reports/aa.ts';
import { buildReport } from '../reports/build-report.ts';
import type { Report } from '../reports/report-schema.ts';
import { createRng } from '../lib/random/prng.ts';

/**
 * A/A trials from one report: `count` seeded random halvings of one configuration's repeats
 * into a pseudo-baseline and a pseudo-candidate. Nothing differs between the halves, so every
 * gate failure on them is a false alarm. Splits share repeats, so they are not independent
 * trials; the rate they give is an estimate for this machine, not an exact probability.
 */
export function randomAaPairs(report: Report, configuration: string, count: number, seed: number): AaPair[] {
  const runs = report.runs.filter((r) => r.configuration === configuration).sort((a, b) => a.repeat - b.repeat);
  if (runs.length < 4) throw new RangeError(`A/A needs at least 4 repeats of "${configuration}" (2 per side for a confidence interval), got ${runs.length}`);
  const config = report.configurations.find((c) => c.name === configuration)!;
  const rng = createRng(seed);
  const half = Math.floor(runs.length / 2);
  return Array.from({ length: count }, () => {
    const order = runs.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.nextInt(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const side = (indexes: number[]) =>
      buildReport({
        configurations: [config],
        metadata: report.metadata,
        runs: indexes.sort((a, b) => a - b).map((index, repeat) => ({ ...runs[index]!, repeat })),
      });
    return { baseline: side(order.slice(0, half)), candidate: side(order.slice(half, 2 * half)) };
  });
}
