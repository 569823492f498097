/**
 * K-way merge of newest-first lists: the first `limit` items of their union, newest first,
 * without materialising the union. A binary heap holds one cursor per non-empty source, so
 * a feed of length L from k followees costs O(L log k).
 */
export function mergeNewestFirst<T>(sources: readonly (readonly T[])[], limit: number, newerThan: (a: T, b: T) => boolean): T[] {
  interface Cursor {
    source: readonly T[];
    index: number;
  }
  const heap: Cursor[] = [];
  const head = (c: Cursor): T => c.source[c.index] as T;
  const before = (a: Cursor, b: Cursor): boolean => newerThan(head(a), head(b));
  const swap = (i: number, j: number): void => {
    const t = heap[i] as Cursor;
    heap[i] = heap[j] as Cursor;
    heap[j] = t;
  };
  const up = (i: number): void => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Cursor, heap[parent] as Cursor)) return;
      swap(i, parent);
      i = parent;
    }
  };
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < heap.length && before(heap[l] as Cursor, heap[top] as Cursor)) top = l;
      if (r < heap.length && before(heap[r] as Cursor, heap[top] as Cursor)) top = r;
      if (top === i) return;
      swap(i, top);
      i = top;
    }
  };
  for (const source of sources) {
    if (source.length > 0) {
      heap.push({ source, index: 0 });
      up(heap.length - 1);
    }
  }
  const out: T[] = [];
  while (out.length < limit && heap.length > 0) {
    const top = heap[0] as Cursor;
    out.push(head(top));
    top.index++;
    if (top.index >= top.source.length) {
      const last = heap.pop() as Cursor;
      if (heap.length > 0) {
        heap[0] = last;
        down(0);
      }
    } else {
      down(0);
    }
  }
  return out;
}

/** Newest first by ID: IDs lead with 41 bits of milliseconds (system/data/ids.ts). */
function idNewer(a: bigint, b: bigint): boolean {
  return a > b;
}

/**
 * One page of a read-time-merged feed: the user's fanned-out feed list and the recent media
 * lists of the big accounts they follow, newest first by ID, duplicates dropped (a media can be
 * in both after an account crossed the threshold). `olderThan` is the previous page's last ID;
 * the next cursor is this page's last ID, set only when more entries exist.
 */
export function mergeFeedIds(
  sources: readonly (readonly string[])[],
  limit: number,
  olderThan?: string,
): { ids: string[]; nextBefore?: string } {
  const bound = olderThan === undefined ? null : BigInt(olderThan);
  // Feed lists are in push order, which IDs from different shards can interleave slightly; sort each.
  const sorted = sources.map((source) => {
    const ids = source.map((id) => BigInt(id)).filter((id) => bound === null || id < bound);
    return ids.sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  });
  const total = sorted.reduce((n, s) => n + s.length, 0);
  const out: string[] = [];
  let previous: bigint | null = null;
  // Equal IDs come out of the merge next to each other, so comparing with the last kept one dedupes.
  for (const id of mergeNewestFirst(sorted, total, idNewer)) {
    if (id === previous) continue;
    previous = id;
    out.push(id.toString());
    if (out.length > limit) break;
  }
  const ids = out.slice(0, limit);
  const last = ids[ids.length - 1];
  return out.length > limit && last !== undefined ? { ids, nextBefore: last } : { ids };
}
