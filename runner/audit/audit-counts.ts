import type { AuditedWrites } from '../../lib/result-schema.ts';
import type { AcknowledgedWrite, WriteType } from '../../scenarios/engines/write-log.ts';

/**
 * The pure half of the acknowledged-writes audit: which distinct writes were acknowledged, and
 * the per-type tally once each has been looked up. A write acknowledged twice (a repeated like,
 * a follow sent again) is one write: it must be there once.
 */

/** The key that identifies one logical write of its type: its IDs joined. */
export function writeKey(write: Pick<AcknowledgedWrite, 'ids'>): string {
  return write.ids.join(':');
}

/** Distinct acknowledged writes per type, in first-acknowledged order. */
export function distinctWrites(writes: readonly AcknowledgedWrite[]): Map<WriteType, AcknowledgedWrite[]> {
  const out = new Map<WriteType, AcknowledgedWrite[]>();
  const seen = new Set<string>();
  for (const w of writes) {
    const key = `${w.type}|${writeKey(w)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let list = out.get(w.type);
    if (!list) out.set(w.type, (list = []));
    list.push(w);
  }
  return out;
}

/** How many times each write was found where it belongs (0: not at all). */
export type FoundCounts = ReadonlyMap<string, number>;

const EXAMPLES_MAX = 10;

/**
 * The audit line of one type: every expected key looked up in `found` (0 or absent: lost; more
 * than 1: duplicated). `extraDuplicates` are keys found more than once that were not expected
 * (a feed that got a media although its follow came after the upload).
 */
export function tally(type: string, expected: readonly string[], found: FoundCounts, extraDuplicates: readonly string[] = []): AuditedWrites {
  let present = 0;
  let lost = 0;
  let duplicated = 0;
  const examples: string[] = [];
  for (const key of expected) {
    const n = found.get(key) ?? 0;
    if (n === 0) {
      lost++;
      if (examples.length < EXAMPLES_MAX) examples.push(`lost ${key}`);
      continue;
    }
    present++;
    if (n > 1) {
      duplicated++;
      if (examples.length < EXAMPLES_MAX) examples.push(`${n}x ${key}`);
    }
  }
  for (const key of extraDuplicates) {
    duplicated++;
    if (examples.length < EXAMPLES_MAX) examples.push(`${found.get(key) ?? 2}x ${key} (not owed)`);
  }
  return { type, acknowledged: expected.length, present, lost, duplicated, ...(examples.length > 0 ? { examples } : {}) };
}
