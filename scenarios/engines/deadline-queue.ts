/** What the queue can expire: an in-flight request with its own deadline. */
export interface Expirable {
  readonly deadlineNs: number;
  /** True once the request ended; the queue then just drops it. */
  readonly done: boolean;
  expire(): void;
}

/** Queue length past which the consumed head is cut off the array. */
const COMPACT_AT = 4096;

/**
 * One timeout mechanism for every request of a run, instead of a timer (and an AbortController)
 * per request. Every request gets the same timeout from its send and sends happen in clock
 * order, so deadlines arrive in order: a FIFO whose head is always the next to expire, checked
 * by one interval timer. A request that ends early stays in the queue until the sweep reaches
 * it (it is only a reference). A timeout therefore fires between its deadline and one sweep
 * interval later.
 *
 * Pushing out of deadline order is allowed but delays the later items behind the earlier one.
 */
export class DeadlineQueue<T extends Expirable> {
  #items: T[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** Expires every item whose deadline is <= nowNs and drops ended ones, from the head. */
  sweep(nowNs: number): void {
    const items = this.#items;
    let head = this.#head;
    while (head < items.length) {
      const item = items[head] as T;
      if (!item.done) {
        if (item.deadlineNs > nowNs) break;
        item.expire();
      }
      head++;
    }
    if (head === items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (head >= COMPACT_AT && head * 2 >= items.length) {
      this.#items = items.slice(head);
      this.#head = 0;
    } else {
      this.#head = head;
    }
  }

  /** Sweeps every `intervalMs` with the clock `nowNs` until stop(). */
  start(intervalMs: number, nowNs: () => number): void {
    this.stop();
    this.#timer = setInterval(() => this.sweep(nowNs()), intervalMs);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
