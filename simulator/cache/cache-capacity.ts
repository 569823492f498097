/**
 * How many items fit in a cache's memory. memcached stores an item in the smallest chunk of its
 * slab classes that holds it: chunks start at `smallestChunkBytes` and grow by `growthFactor`
 * (memcached's -n 48 and -f 1.25 defaults: 96-byte chunks first), so an item costs its chunk, not
 * its bytes. Header size and defaults are those of memcached 1.4–1.6 ("memcached -vv" lists the
 * classes); Redis and others can pass their own bytes per item.
 */
export interface MemcachedItemOptions {
  keyBytes: number;
  valueBytes: number;
  /** Item header with CAS, bytes; default 56 (64-bit memcached). */
  headerBytes?: number;
  smallestChunkBytes?: number;
  growthFactor?: number;
}

/** Bytes one item occupies: its slab chunk size. */
export function memcachedItemBytes(options: MemcachedItemOptions): number {
  const size = (options.headerBytes ?? 56) + options.keyBytes + 1 + options.valueBytes + 2;
  const factor = options.growthFactor ?? 1.25;
  let chunk = options.smallestChunkBytes ?? 96;
  // memcached aligns chunk sizes to 8 bytes.
  while (chunk < size) chunk = Math.ceil((chunk * factor) / 8) * 8;
  return chunk;
}

/** floor(memoryBytes · usableFraction / bytesPerItem): the C of Che's approximation. */
export function cacheCapacityItems(memoryBytes: number, bytesPerItem: number, usableFraction = 1): number {
  if (!(bytesPerItem > 0)) throw new RangeError(`bytesPerItem must be positive, got ${bytesPerItem}`);
  if (!(usableFraction > 0 && usableFraction <= 1)) throw new RangeError(`usableFraction must be in (0, 1], got ${usableFraction}`);
  return Math.floor((memoryBytes * usableFraction) / bytesPerItem);
}
