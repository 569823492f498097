/**
 * A binary min-heap of (key, value, aux) in growable typed arrays: no object per entry, no
 * closure per event. The DES uses one for its event list (key = time, value = event code,
 * aux = generation for lazy cancellation) and one per host for processor sharing (key = virtual
 * finish time, value = job). Equal keys come out in an order fixed by the sequence of operations,
 * so a run is reproducible; it is not FIFO among ties.
 */
export class MinHeap {
  private keys: Float64Array;
  private values: Int32Array;
  private auxes: Int32Array;
  private count = 0;

  constructor(initialCapacity = 64) {
    this.keys = new Float64Array(initialCapacity);
    this.values = new Int32Array(initialCapacity);
    this.auxes = new Int32Array(initialCapacity);
  }

  get size(): number {
    return this.count;
  }

  /** Smallest key; only when size > 0. */
  peekKey(): number {
    return this.keys[0]!;
  }

  peekValue(): number {
    return this.values[0]!;
  }

  peekAux(): number {
    return this.auxes[0]!;
  }

  push(key: number, value: number, aux = 0): void {
    if (this.count === this.keys.length) this.grow();
    const keys = this.keys;
    const values = this.values;
    const auxes = this.auxes;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const parentKey = keys[parent]!;
      if (parentKey <= key) break;
      keys[i] = parentKey;
      values[i] = values[parent]!;
      auxes[i] = auxes[parent]!;
      i = parent;
    }
    keys[i] = key;
    values[i] = value;
    auxes[i] = aux;
  }

  /** Removes the smallest entry (read it with the peek methods first). */
  pop(): void {
    const n = --this.count;
    if (n === 0) return;
    const keys = this.keys;
    const values = this.values;
    const auxes = this.auxes;
    const key = keys[n]!;
    const value = values[n]!;
    const aux = auxes[n]!;
    let i = 0;
    const half = n >> 1;
    while (i < half) {
      let child = 2 * i + 1;
      const right = child + 1;
      if (right < n && keys[right]! < keys[child]!) child = right;
      if (keys[child]! >= key) break;
      keys[i] = keys[child]!;
      values[i] = values[child]!;
      auxes[i] = auxes[child]!;
      i = child;
    }
    keys[i] = key;
    values[i] = value;
    auxes[i] = aux;
  }

  private grow(): void {
    const capacity = this.keys.length * 2;
    const keys = new Float64Array(capacity);
    keys.set(this.keys);
    const values = new Int32Array(capacity);
    values.set(this.values);
    const auxes = new Int32Array(capacity);
    auxes.set(this.auxes);
    this.keys = keys;
    this.values = values;
    this.auxes = auxes;
  }
}
