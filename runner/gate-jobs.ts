import { FeedscaleError } from '../lib/errors.ts';

/**
 * The jobs behind `feedscale aa` and `feedscale power`: which configurations they run. How their
 * repeats are split and judged is statistics, in reports/aa.ts and reports/power.ts.
 *
 * A/A runs the base stack alone (cli/main.ts names it); power runs the base stack against the
 * same stack with one known regression injected, interleaved (A B A B), so that repeat i of both
 * ran back to back and the gate can pair them.
 */

/** The name of the unchanged configuration of a power job. */
export const POWER_BASELINE = 'baseline';

/** A known regression, as the stack fields that inject it. */
export interface Injection {
  /** The candidate configuration's name, e.g. "feed-read-plus-20ms". */
  name: string;
  description: string;
  /** Stack fields of the candidate (containers/stack-config.ts). */
  stack: Record<string, number>;
}

const DELAY = /^feed-read:\+\s*(\d+(?:\.\d+)?)\s*ms$/;
const QUERIES = /^feed-read:\+\s*(\d+)\s*quer(?:y|ies)$/;

/**
 * Parses `--inject`: "feed-read:+20ms" (20 ms added to every feed read, injectFeedReadDelayMs) or
 * "feed-read:+3 queries" (3 extra Postgres queries per feed read, injectFeedReadExtraQueries).
 * Throws CFG_ERR_INVALID naming the accepted forms.
 *
 * @example
 * parseInjection('feed-read:+20 ms'); // { name: 'feed-read-plus-20ms', stack: { injectFeedReadDelayMs: 20 }, ... }
 */
export function parseInjection(text: string): Injection {
  const spec = text.trim();
  const delay = DELAY.exec(spec);
  if (delay) {
    const ms = Number(delay[1]);
    if (!(ms > 0)) throw new FeedscaleError('CFG_ERR_INVALID', `--inject delay must be above 0 ms, got ${ms}`);
    return { name: `feed-read-plus-${ms}ms`, description: `injected regression: ${ms} ms added to every feed read`, stack: { injectFeedReadDelayMs: ms } };
  }
  const queries = QUERIES.exec(spec);
  if (queries) {
    const count = Number(queries[1]);
    if (!(count > 0)) throw new FeedscaleError('CFG_ERR_INVALID', `--inject queries must be at least 1, got ${count}`);
    return {
      name: `feed-read-plus-${count}-${count === 1 ? 'query' : 'queries'}`,
      description: `injected regression: ${count} extra Postgres ${count === 1 ? 'query' : 'queries'} per feed read`,
      stack: { injectFeedReadExtraQueries: count },
    };
  }
  throw new FeedscaleError('CFG_ERR_INVALID', `--inject must be feed-read:+N ms or feed-read:+N queries, got ${JSON.stringify(text)}`);
}

/** The run-configuration fields of a power job: the base stack, then the same stack with the injection. */
export function powerJobOverrides(injection: Injection): { configurations: Array<{ name: string; description: string; stack?: Record<string, number> }> } {
  return {
    configurations: [
      { name: POWER_BASELINE, description: 'the base stack' },
      { name: injection.name, description: injection.description, stack: { ...injection.stack } },
    ],
  };
}
