import type { AttributionItem, ConfigurationAttribution, ServerSummary } from '../server-summary-schema.ts';
import { quantitiesFor } from './attribution-quantities.ts';
import { scoreOf, withinRepeatNoise } from './attribution-rules.ts';

/**
 * The notable server-side differences of `candidate` against `baseline`, largest first (by score:
 * the difference in multiples of its threshold, attribution-rules.ts). A quantity missing on
 * either side is skipped.
 *
 * @example
 * attribute(summarizeServer('memcached-on', runs), summarizeServer('memcached-off', runs))[0].sentence;
 * // "cache hit ratio 0.0% vs 73.4%"
 */
export function attribute(baseline: ServerSummary, candidate: ServerSummary): AttributionItem[] {
  const items: AttributionItem[] = [];
  for (const q of quantitiesFor(baseline, candidate)) {
    const b = q.pick(baseline);
    const c = q.pick(candidate);
    if (!b || !c) continue;
    const score = scoreOf(q.rule, c.mean, b.mean);
    if (score < 1 || withinRepeatNoise(c, b)) continue;
    items.push({ metric: q.metric, candidate: c.mean, baseline: b.mean, score: Number(score.toFixed(3)), sentence: q.sentence(c.mean, b.mean) });
  }
  return items.sort((x, y) => y.score - x.score || (x.metric < y.metric ? -1 : x.metric > y.metric ? 1 : 0));
}

/** attribute() with the reason when a side has no server metrics at all. */
export function attributeConfiguration(baseline: ServerSummary, candidate: ServerSummary): ConfigurationAttribution {
  const missing = [candidate, baseline].filter((s) => s.repeats.length === 0).map((s) => `"${s.configuration}"`);
  const base = { configuration: candidate.configuration, baseline: baseline.configuration };
  if (missing.length > 0) return { ...base, items: [], unavailableReason: `no server metrics for ${missing.join(' and ')}` };
  return { ...base, items: attribute(baseline, candidate), unavailableReason: '' };
}

/** attributeConfiguration() of every other configuration against the one named `baseline`; none when it has no summary. */
export function attributeAgainstBaseline(summaries: readonly ServerSummary[], baseline: string): ConfigurationAttribution[] {
  const base = summaries.find((s) => s.configuration === baseline);
  return base ? summaries.filter((s) => s !== base).map((s) => attributeConfiguration(base, s)) : [];
}
