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
