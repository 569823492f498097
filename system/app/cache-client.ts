import memjs from 'memjs';
import { HashRing } from './hash-ring.ts';

/**
 * The read-through cache in front of Postgres: memcached in 2011 (6 instances, docs/facts.md),
 * or nothing at all when a scenario turns it off. Both share this interface so routes never ask
 * which one they have. A cache failure is logged and treated as a miss: the cache speeds reads
 * up, it never fails them.
 */
export interface CacheClient {
  readonly mode: 'memcached' | 'off';
  get(key: string): Promise<string | null>;
  /** memjs has no multi-get: the gets are issued concurrently. Results are in `keys` order. */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Resolves when every server answers; rejects otherwise. */
  ping(timeoutMs: number): Promise<void>;
  /** Lookups since start (get and getMany count per key). */
  stats(): CacheStats;
  /** The same counts per memcached server (none when the cache is off). */
  serverStats(): Array<{ server: string } & CacheStats>;
  close(): void;
}

export interface CacheStats {
  hits: number;
  misses: number;
  errors: number;
}

export interface CacheLog {
  warn(obj: object, msg: string): void;
}

export function createNoopCache(): CacheClient {
  let misses = 0;
  return {
    mode: 'off',
    get: async () => {
      misses++;
      return null;
    },
    getMany: async (keys) => {
      misses += keys.length;
      return keys.map(() => null);
    },
    set: async () => {},
    delete: async () => {},
    ping: async () => {},
    stats: () => ({ hits: 0, misses, errors: 0 }),
    serverStats: () => [],
    close: () => {},
  };
}

/**
 * One memjs client per server and a ketama ring choosing the server of each key (memjs's own
 * multi-server mode hashes `key % N`, which moves nearly every key when N changes).
 */
export function createMemcachedCache(options: { servers: readonly string[]; ttlS: number; log: CacheLog }): CacheClient {
  const { log } = options;
  const ring = new HashRing(options.servers);
  const nodes = ring.servers.map((server) => ({
    server,
    // One retry with a short timeout: a slow memcached must not hold a request for seconds.
    client: memjs.Client.create(server, {
      expires: options.ttlS,
      retries: 1,
      timeout: 0.5,
      keepAlive: true,
      logger: { log: (...args: unknown[]) => log.warn({ args: args.map(String), server }, 'memcached client') },
    }),
    hits: 0,
    misses: 0,
    errors: 0,
  }));
  const nodeFor = (key: string) => nodes[ring.indexFor(key)] as (typeof nodes)[number];
  const get = async (key: string): Promise<string | null> => {
    const node = nodeFor(key);
    try {
      const { value } = await node.client.get(key);
      if (value === null) {
        node.misses++;
        return null;
      }
      node.hits++;
      return value.toString('utf8');
    } catch (err) {
      node.errors++;
      node.misses++;
      log.warn({ err, key, server: node.server }, 'memcached get failed; treated as a miss');
      return null;
    }
  };
  const sum = (field: 'hits' | 'misses' | 'errors'): number => nodes.reduce((total, node) => total + node[field], 0);
  const pingOne = (node: (typeof nodes)[number], timeoutMs: number): Promise<void> =>
    // memjs has no version/noop call; `stats` answers once per server, so it proves it is up.
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`memcached ${node.server} did not answer within ${timeoutMs} ms`)), timeoutMs);
      node.client.stats((err) => {
        clearTimeout(timer);
        if (err) reject(new Error(`memcached ${node.server} failed: ${err.message}`));
        else resolve();
      });
    });
  return {
    mode: 'memcached',
    get,
    getMany: (keys) => Promise.all(keys.map(get)),
    set: async (key, value) => {
      const node = nodeFor(key);
      try {
        await node.client.set(key, value, { expires: options.ttlS });
      } catch (err) {
        node.errors++;
        log.warn({ err, key, server: node.server }, 'memcached set failed');
      }
    },
    delete: async (key) => {
      const node = nodeFor(key);
      try {
        await node.client.delete(key);
      } catch (err) {
        node.errors++;
        log.warn({ err, key, server: node.server }, 'memcached delete failed; the entry may be stale until its TTL');
      }
    },
    ping: async (timeoutMs) => {
      await Promise.all(nodes.map((node) => pingOne(node, timeoutMs)));
    },
    stats: () => ({ hits: sum('hits'), misses: sum('misses'), errors: sum('errors') }),
    serverStats: () => nodes.map(({ server, hits, misses, errors }) => ({ server, hits, misses, errors })),
    close: () => {
      for (const node of nodes) node.client.close();
    },
  };
}
