import { fnv1a32, mix32 } from './random/prng.ts';

/**
 * Session tokens of seeded users, so load drivers can write as them: the seed loader stores
 * `session:<token>` for every dataset user and the population lists the tokens of its sample.
 * A pure function of (dataset seed, user ID): test data, reproducible, never random. 128 bits
 * as 32 lowercase hex digits, the same shape as the tokens POST /sessions mints.
 *
 * @example
 * sessionTokenFor(2011, 1234567890123n); // always the same 32 hex digits for this seed and user
 */
export function sessionTokenFor(seed: number, userId: bigint | string): string {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  const text = `feedscale-session:${seed}:${String(userId)}`;
  // Four independent 32-bit words: FNV-1a of the text under four salts, each avalanche-mixed.
  let out = '';
  let chain = fnv1a32(text);
  for (let word = 0; word < 4; word++) {
    chain = mix32(chain ^ fnv1a32(`${word}:${text}`) ^ Math.imul(word + 1, 0x9e3779b9));
    out += chain.toString(16).padStart(8, '0');
  }
  return out;
}
