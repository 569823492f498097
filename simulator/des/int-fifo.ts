/** A growable ring buffer of int32 (job ids): the FCFS queue of a station or a pool. */
export class IntFifo {
  private items: Int32Array;
  private head = 0;
  private count = 0;

  constructor(initialCapacity = 16) {
    this.items = new Int32Array(initialCapacity);
  }

  get size(): number {
    return this.count;
  }

  push(value: number): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) % this.items.length] = value;
    this.count++;
  }

  /** Removes and returns the oldest value; only when size > 0. */
  shift(): number {
    const value = this.items[this.head]!;
    this.head = (this.head + 1) % this.items.length;
    this.count--;
    return value;
  }

  private grow(): void {
    const next = new Int32Array(this.items.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) % this.items.length]!;
    this.items = next;
    this.head = 0;
  }
}
