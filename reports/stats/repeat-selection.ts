import type { RunResult } from '../../lib/result-schema.ts';

/**
 * Which run stands for each repeat. A repeat whose load generator was unhealthy is run again and
 * every attempt is kept (RunResult.attempt); verdicts use healthy attempts only, never one where
 * the generator, not the system, limited the run.
 */
export interface RepeatSelection {
  /** Per repeat with a healthy attempt, its last healthy attempt; ascending by repeat. The runs verdicts use. */
  healthy: RunResult[];
  /** Per repeat, its last healthy attempt, else its last attempt; ascending by repeat. The runs the report shows. */
  shown: RunResult[];
  /** Repeats whose every attempt had an unhealthy generator: excluded from verdicts. */
  unhealthy: UnhealthyRepeat[];
}

export interface UnhealthyRepeat {
  configuration: string;
  repeat: number;
  attempts: number;
  /** The generator's reasons over the attempts, deduplicated. */
  reasons: string[];
}

/** The repeats of `configuration` among `runs` (any order, attempts included). */
export function selectRepeats(runs: readonly RunResult[], configuration: string): RepeatSelection {
  const byRepeat = new Map<number, RunResult[]>();
  for (const run of runs) {
    if (run.configuration !== configuration) continue;
    byRepeat.set(run.repeat, [...(byRepeat.get(run.repeat) ?? []), run]);
  }
  const selection: RepeatSelection = { healthy: [], shown: [], unhealthy: [] };
  for (const repeat of [...byRepeat.keys()].sort((a, b) => a - b)) {
    const attempts = byRepeat.get(repeat)!.sort((a, b) => a.attempt - b.attempt);
    const healthy = attempts.filter((r) => r.generator.valid).at(-1);
    if (healthy) selection.healthy.push(healthy);
    else selection.unhealthy.push({ configuration, repeat, attempts: attempts.length, reasons: [...new Set(attempts.flatMap((r) => r.generator.reasons))] });
    selection.shown.push(healthy ?? attempts.at(-1)!);
  }
  return selection;
}

/** '"main" repeat 2: load generator unhealthy in all 3 attempts (send lag p99 90 ms)'. */
export function describeUnhealthy(u: UnhealthyRepeat): string {
  const attempts = u.attempts === 1 ? 'its only attempt' : `all ${u.attempts} attempts`;
  const why = u.reasons.length > 0 ? ` (${u.reasons.join('; ')})` : '';
  return `"${u.configuration}" repeat ${u.repeat}: load generator unhealthy in ${attempts}${why}`;
}
