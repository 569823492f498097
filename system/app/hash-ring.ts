import { createHash } from 'node:crypto';

/** Points per server: 40 MD5 digests of 4 points each, as libketama places them. */
const DIGESTS_PER_SERVER = 40;
/** Keys whose server a ring remembers (about 100 bytes each). */
const RECENT_KEYS_MAX = 65_536;

/**
 * A ketama consistent-hash ring (libketama's point placement, equal weights), the scheme the
 * 2011-era memcached clients used to spread keys over many instances. Removing a server moves
 * only the keys it held; adding one takes about 1/N of the keys from the others. memjs itself
 * picks a server by `hash % N`, which reshuffles almost every key when N changes, hence this.
 *
 * @example
 * const ring = new HashRing(['memcached-0:11211', 'memcached-1:11211']);
 * ring.serverFor('media:123'); // always the same server for this key and server list
 */
export class HashRing {
  readonly servers: readonly string[];
  readonly #points: Uint32Array;
  /** #owners[i] = index in `servers` of the server at #points[i]. */
  readonly #owners: Uint16Array;
  /**
   * Servers of keys looked up lately: a feed page asks for 20 keys, and the same recent media
   * are on many pages, so most lookups skip the MD5. Bounded: emptied when full.
   */
  readonly #recent = new Map<string, number>();

  constructor(servers: readonly string[]) {
    if (servers.length === 0) throw new RangeError('HashRing needs at least one server');
    if (new Set(servers).size !== servers.length) throw new RangeError('HashRing servers must be distinct');
    this.servers = Object.freeze([...servers]);
    const placed: Array<{ point: number; owner: number }> = [];
    servers.forEach((server, owner) => {
      for (let i = 0; i < DIGESTS_PER_SERVER; i++) {
        const digest = md5(`${server}-${i}`);
        for (let h = 0; h < 4; h++) placed.push({ point: digest.readUInt32LE(h * 4), owner });
      }
    });
    // Ties (vanishingly rare) are broken by server name so the ring does not depend on list order.
    placed.sort((a, b) => a.point - b.point || compare(servers[a.owner] as string, servers[b.owner] as string));
    this.#points = Uint32Array.from(placed.map((p) => p.point));
    this.#owners = Uint16Array.from(placed.map((p) => p.owner));
  }

  /** Index in `servers` of the server that holds `key`. */
  indexFor(key: string): number {
    if (this.servers.length === 1) return 0;
    let index = this.#recent.get(key);
    if (index === undefined) {
      index = this.#indexForHash(md5Word0(key));
      if (this.#recent.size >= RECENT_KEYS_MAX) this.#recent.clear();
      this.#recent.set(key, index);
    }
    return index;
  }

  #indexForHash(hash: number): number {
    // First point at or after the hash, wrapping to the start of the ring.
    let lo = 0;
    let hi = this.#points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#points[mid] as number) < hash) lo = mid + 1;
      else hi = mid;
    }
    return this.#owners[lo === this.#points.length ? 0 : lo] as number;
  }

  serverFor(key: string): string {
    return this.servers[this.indexFor(key)] as string;
  }
}

function md5(text: string): Buffer {
  return createHash('md5').update(text).digest();
}

// MD5 (RFC 1321) per-round constants and rotations, for md5Word0.
const K = Int32Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);
const R = Uint8Array.from({ length: 64 }, (_, i) => [[7, 12, 17, 22], [5, 9, 14, 20], [4, 11, 16, 23], [6, 10, 15, 21]][i >> 4]![i & 3]!);
const BLOCK = new Int32Array(16);

/**
 * The first 32 bits (little-endian) of the MD5 digest of `text`, ketama's key hash. Keys are
 * hashed on every cache lookup (20 per feed page), and node:crypto's per-call setup costs far
 * more than the hash itself, so an ASCII key of at most 55 bytes (one MD5 block; every key the
 * service uses) is hashed here in plain JS; anything else goes to node:crypto. hash-ring.test.ts
 * checks both give the same value.
 */
export function md5Word0(text: string): number {
  const length = text.length;
  if (length > 55) return md5(text).readUInt32LE(0);
  BLOCK.fill(0);
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return md5(text).readUInt32LE(0);
    BLOCK[i >> 2]! |= code << ((i & 3) << 3);
  }
  BLOCK[length >> 2]! |= 0x80 << ((length & 3) << 3);
  BLOCK[14] = length << 3;
  let a = 0x67452301;
  let b = 0xefcdab89 | 0;
  let c = 0x98badcfe | 0;
  let d = 0x10325476;
  for (let i = 0; i < 64; i++) {
    let f: number;
    let g: number;
    if (i < 16) {
      f = (b & c) | (~b & d);
      g = i;
    } else if (i < 32) {
      f = (d & b) | (~d & c);
      g = (5 * i + 1) & 15;
    } else if (i < 48) {
      f = b ^ c ^ d;
      g = (3 * i + 5) & 15;
    } else {
      f = c ^ (b | ~d);
      g = (7 * i) & 15;
    }
    const x = (a + f + K[i]! + BLOCK[g]!) | 0;
    const r = R[i]!;
    a = d;
    d = c;
    c = b;
    b = (b + ((x << r) | (x >>> (32 - r)))) | 0;
  }
  return (a + 0x67452301) >>> 0;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
