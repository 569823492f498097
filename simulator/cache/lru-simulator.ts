import type { Rng } from '../../lib/random/prng.ts';
import { createZipfSampler } from '../../scenarios/random/samplers.ts';
import type { ZipfCatalogue } from './che-approximation.ts';

export interface LruRunOptions {
  /** Requests counted, after the warm-up. */
  requests: number;
  /** Requests before counting starts (0: measure a cold cache). */
  warmupRequests: number;
  rng: Rng;
}

export interface LruRun {
  hits: number;
  requests: number;
  hitRatio: number;
}

/**
 * An exact LRU cache of `capacityItems` items fed an independent Zipf request stream (seeded,
 * scenarios/random/samplers.ts): a doubly linked recency list in typed arrays, O(1) per request.
 * The ground truth that checks Che's approximation (che-approximation.test.ts, cold-start.test.ts).
 */
export function simulateLru(catalogue: ZipfCatalogue, capacityItems: number, options: LruRunOptions): LruRun {
  const lru = new LruCache(catalogue.items, capacityItems);
  const zipf = createZipfSampler(catalogue.items, catalogue.exponent);
  for (let i = 0; i < options.warmupRequests; i++) lru.request(zipf.sample(options.rng));
  let hits = 0;
  for (let i = 0; i < options.requests; i++) if (lru.request(zipf.sample(options.rng))) hits++;
  return { hits, requests: options.requests, hitRatio: hits / options.requests };
}

/** An LRU set over item ids 1..items. */
export class LruCache {
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private readonly cached: Uint8Array;
  private size = 0;

  /** Slot 0 is the list head sentinel: next[0] is the most recent item, prev[0] the least. */
  constructor(
    items: number,
    private readonly capacity: number,
  ) {
    this.prev = new Int32Array(items + 1);
    this.next = new Int32Array(items + 1);
    this.cached = new Uint8Array(items + 1);
  }

  /** Requests an item; true on a hit. The item becomes the most recent; a miss may evict the least recent. */
  request(item: number): boolean {
    if (this.cached[item] === 1) {
      this.unlink(item);
      this.pushFront(item);
      return true;
    }
    if (this.capacity === 0) return false;
    if (this.size === this.capacity) {
      const victim = this.prev[0]!;
      this.unlink(victim);
      this.cached[victim] = 0;
      this.size--;
    }
    this.pushFront(item);
    this.cached[item] = 1;
    this.size++;
    return false;
  }

  private unlink(item: number): void {
    const p = this.prev[item]!;
    const n = this.next[item]!;
    this.next[p] = n;
    this.prev[n] = p;
  }

  private pushFront(item: number): void {
    const first = this.next[0]!;
    this.next[item] = first;
    this.prev[item] = 0;
    this.prev[first] = item;
    this.next[0] = item;
  }
}
