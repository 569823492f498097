/**
 * A small seeded PRNG: sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state,
 * passes PractRand) seeded through splitmix32. Hand-written and dependency-free because k6 scripts
 * import the request generator, and k6 can only load `k6/*` and relative pure modules.
 *
 * Every random choice in scenarios/ comes from one of these, never from Math.random or the clock.
 */

export interface Rng {
  /** The 32-bit key this stream was derived from (the seed for a root stream). */
  readonly key: number;
  /** Next unsigned 32-bit integer. */
  nextUint32(): number;
  /** Uniform float in [0, 1), 32 bits of resolution. */
  nextFloat(): number;
  /** Uniform integer in [0, maxExclusive); unbiased (rejection sampling). maxExclusive in [1, 2^32]. */
  nextInt(maxExclusive: number): number;
  /**
   * An independent child stream named by `label`. It depends only on this stream's key and the
   * label, not on how many numbers were drawn before, so adding draws in one part of a generator
   * never shifts the numbers of another. Forking the same label twice gives the same stream.
   */
  fork(label: string): Rng;
}

const TWO_POW_32 = 4294967296;

/** splitmix32 finaliser: a bijective avalanche mix of a 32-bit integer. */
export function mix32(value: number): number {
  let z = value | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}

/** FNV-1a 32-bit hash of a string's UTF-16 code units. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Folds any safe integer seed (negative or above 2^32 included) into a 32-bit key. */
function seedToKey(seed: number): number {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  const high = Math.floor(seed / TWO_POW_32);
  return ((seed >>> 0) ^ mix32(high)) >>> 0;
}

class Sfc32 implements Rng {
  readonly key: number;
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(key: number) {
    this.key = key >>> 0;
    // splitmix32 expands the key into the 96 bits sfc32 needs; d is the counter.
    let s = this.key;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      return mix32(s);
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  nextFloat(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  nextInt(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive < 1 || maxExclusive > TWO_POW_32) {
      throw new RangeError(`maxExclusive must be an integer in [1, 2^32], got ${maxExclusive}`);
    }
    // Reject the top sliver of the 32-bit range that would make low values more likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % maxExclusive);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % maxExclusive;
  }

  fork(label: string): Rng {
    return new Sfc32(mix32((this.key ^ mix32(fnv1a32(label) + 0x6a09e667)) + 0x3c6ef372));
  }
}

/**
 * A deterministic random stream from an integer seed.
 *
 * @example
 * const rng = createRng(42);
 * const dice = rng.nextInt(6) + 1;
 * const users = rng.fork('users'); // independent of later draws on `rng`
 */
export function createRng(seed: number): Rng {
  return new Sfc32(seedToKey(seed));
}
