/**
 * A min-heap of a fixed set of ids (0..capacity−1), each present at most once, whose key can be
 * changed in place (O(log n)): the DES keeps each host's next CPU completion here, so moving it
 * when a job starts or ends leaves no stale entry behind in the event list.
 */
export class IndexedMinHeap {
  private readonly keys: Float64Array;
  private readonly heap: Int32Array;
  /** Position of each id in `heap`, −1 when absent. */
  private readonly position: Int32Array;
  private count = 0;

  constructor(capacity: number) {
    this.keys = new Float64Array(capacity);
    this.heap = new Int32Array(capacity);
    this.position = new Int32Array(capacity).fill(-1);
  }

  get size(): number {
    return this.count;
  }

  /** Smallest key, Infinity when empty. */
  peekKey(): number {
    return this.count > 0 ? this.keys[this.heap[0]!]! : Infinity;
  }

  /** Id with the smallest key; only when size > 0. */
  peekId(): number {
    return this.heap[0]!;
  }

  /** Inserts the id or moves it to its new key. */
  set(id: number, key: number): void {
    let i = this.position[id]!;
    if (i < 0) {
      i = this.count++;
      this.heap[i] = id;
      this.position[id] = i;
      this.keys[id] = key;
      this.siftUp(i);
      return;
    }
    const old = this.keys[id]!;
    this.keys[id] = key;
    if (key < old) this.siftUp(i);
    else this.siftDown(i);
  }

  remove(id: number): void {
    const i = this.position[id]!;
    if (i < 0) return;
    const last = this.heap[--this.count]!;
    this.position[id] = -1;
    if (i === this.count) return;
    this.heap[i] = last;
    this.position[last] = i;
    this.siftUp(i);
    this.siftDown(this.position[last]!);
  }

  private siftUp(start: number): void {
    const heap = this.heap;
    const id = heap[start]!;
    const key = this.keys[id]!;
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const parentId = heap[parent]!;
      if (this.keys[parentId]! <= key) break;
      heap[i] = parentId;
      this.position[parentId] = i;
      i = parent;
    }
    heap[i] = id;
    this.position[id] = i;
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    const n = this.count;
    const id = heap[start]!;
    const key = this.keys[id]!;
    let i = start;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && this.keys[heap[right]!]! < this.keys[heap[child]!]!) child = right;
      const childId = heap[child]!;
      if (this.keys[childId]! >= key) break;
      heap[i] = childId;
      this.position[childId] = i;
      i = child;
    }
    heap[i] = id;
    this.position[id] = i;
  }
}
