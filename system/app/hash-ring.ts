import { createHash } from 'node:crypto';

/** Points per server: 40 MD5 digests of 4 points each, as libketama places them. */
const DIGESTS_PER_SERVER = 40;

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
    const hash = md5(key).readUInt32LE(0);
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

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
