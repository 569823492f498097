/**
 * Short-lived byte buffers cut from large slabs, as Node's own buffer pool does but with slabs
 * 32 times larger (Node's pool is 8 KiB and serves only requests under 4 KiB).
 *
 * A cache-hit feed read allocates ~25 buffers: the memcached request (~2 KiB), 20 cached values
 * (~250 B each), the backend writes of every request in flight coalesced (often over 4 KiB) and
 * the ~5 KiB page body. From Node's pool that is a new 8 KiB ArrayBuffer every page or two, and
 * for each buffer over 4 KiB a malloc'd ArrayBuffer of its own, freed by the GC later: malloc,
 * free and the external-memory accounting of those showed in the feed read's profile
 * (bench/profile-app.ts). A slab is dropped, not reused, once full: the GC frees it when the
 * last buffer cut from it is gone, so no buffer is ever handed out twice.
 *
 * @example
 * const slab = new ByteSlab();
 * const bytes = slab.alloc(300); // uninitialised, like Buffer.allocUnsafe
 */
export class ByteSlab {
  readonly #slabBytes: number;
  readonly #maxCutBytes: number;
  #slab: ArrayBuffer;
  #used = 0;

  constructor(slabBytes = 256 * 1024) {
    this.#slabBytes = slabBytes;
    // Bigger buffers get their own allocation: cutting them would waste most of a slab's tail.
    this.#maxCutBytes = slabBytes >>> 3;
    this.#slab = newSlab(slabBytes);
  }

  /** `size` uninitialised bytes. */
  alloc(size: number): Buffer {
    if (size > this.#maxCutBytes) return Buffer.allocUnsafeSlow(size);
    if (this.#used + size > this.#slabBytes) {
      this.#slab = newSlab(this.#slabBytes);
      this.#used = 0;
    }
    const start = this.#used;
    // 8-byte aligned, as Node's pool keeps its slices.
    this.#used = (start + size + 7) & ~7;
    return new FastBuffer(this.#slab, start, size);
  }

  /** `chunks` copied into one buffer (Buffer.concat, from the slab). */
  concat(chunks: readonly Buffer[]): Buffer {
    let size = 0;
    for (const chunk of chunks) size += chunk.length;
    const out = this.alloc(size);
    let offset = 0;
    for (const chunk of chunks) offset += chunk.copy(out, offset);
    return out;
  }
}

/**
 * Node's own Buffer class (what Buffer.allocUnsafe cuts its pool with): constructing it over a
 * slab costs ~30 ns, against ~90 ns for `subarray` (which looks the constructor up through
 * Symbol.species on every call).
 */
const FastBuffer = (Buffer as unknown as { [Symbol.species]: new (memory: ArrayBuffer, byteOffset: number, length: number) => Buffer })[Symbol.species];

/** A slab's memory, uninitialised (every byte handed out is written before it is read). */
function newSlab(bytes: number): ArrayBuffer {
  return Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer;
}

/** The slab the app's hot paths share (one event loop: no locking needed). */
export const hotSlab = new ByteSlab();
