/** One sample line of the Prometheus text exposition format (0.0.4). */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A sample value or a bucket bound (`le`) of the text format: a number, +Inf, -Inf or NaN. */
export function parseValue(text: string): number {
  switch (text) {
    case '+Inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
      return Number.NEGATIVE_INFINITY;
    case 'NaN':
      return Number.NaN;
    default: {
      const value = Number(text);
      if (text === '' || Number.isNaN(value)) throw new Error(`not a sample value: ${text}`);
      return value;
    }
  }
}

/** Reads `{a="1",b="x\"y"}` starting at `start` (the `{`); returns the labels and the index after `}`. */
function parseLabels(line: string, start: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = start + 1;
  for (;;) {
    while (line[i] === ' ' || line[i] === ',') i++;
    if (line[i] === '}') return { labels, end: i + 1 };
    const nameMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
    if (!nameMatch) throw new Error(`bad label name at column ${i}`);
    const name = nameMatch[0];
    i += name.length;
    while (line[i] === ' ') i++;
    if (line[i] !== '=' || line[i + 1] !== '"') throw new Error(`expected ="" after label ${name}`);
    i += 2;
    let value = '';
    for (;;) {
      const ch = line[i];
      if (ch === undefined) throw new Error(`unterminated value of label ${name}`);
      if (ch === '"') break;
      if (ch === '\\') {
        const next = line[i + 1];
        value += next === 'n' ? '\n' : (next ?? '');
        i += 2;
      } else {
        value += ch;
        i++;
      }
    }
    labels[name] = value;
    i++;
  }
}

/**
 * Parses the text exposition format (what prom-client's `registry.metrics()` returns): comments
 * and TYPE/HELP lines are skipped, every sample line becomes one PromSample. Timestamps, when
 * present, are ignored. A malformed line throws with its line number: a half-read scrape would
 * make every delta after it wrong.
 */
export function parsePrometheusText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
      if (!nameMatch) throw new Error('no metric name');
      const name = nameMatch[0];
      let i = name.length;
      let labels: Record<string, string> = {};
      if (line[i] === '{') ({ labels, end: i } = parseLabels(line, i));
      const rest = line.slice(i).trim().split(/\s+/);
      samples.push({ name, labels, value: parseValue(rest[0] ?? '') });
    } catch (err) {
      throw new Error(`prometheus text line ${n + 1}: ${(err as Error).message}: ${line.slice(0, 120)}`);
    }
  }
  return samples;
}

/** One bucket of a cumulative histogram: observations <= le. */
export interface Bucket {
  le: number;
  count: number;
}

/**
 * The q-quantile of a cumulative histogram, as PromQL's histogram_quantile: linear within the
 * bucket that holds the rank, the lowest bucket starting at 0, and a rank in the +Inf bucket
 * answered with the highest finite bound. null when the histogram is empty.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const bucket of sorted) {
    if (bucket.count >= rank) {
      if (bucket.le === Number.POSITIVE_INFINITY) return lowerLe;
      const inBucket = bucket.count - lowerCount;
      return inBucket <= 0 ? bucket.le : lowerLe + ((bucket.le - lowerLe) * (rank - lowerCount)) / inBucket;
    }
    lowerLe = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerLe;
}
