import memjs from 'memjs';

/**
 * The read-through cache in front of Postgres: memcached in 2011 (6 instances, shared/FACTS.md),
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
  stats(): { hits: number; misses: number; errors: number };
  close(): void;
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
    close: () => {},
  };
}

export function createMemcachedCache(options: { servers: readonly string[]; ttlS: number; log: CacheLog }): CacheClient {
  const { log } = options;
  // One retry with a short timeout: a slow memcached must not hold a request for seconds.
  const client = memjs.Client.create(options.servers.join(','), {
    expires: options.ttlS,
    retries: 1,
    timeout: 0.5,
    keepAlive: true,
    logger: { log: (...args: unknown[]) => log.warn({ args: args.map(String) }, 'memcached client') },
  });
  let hits = 0;
  let misses = 0;
  let errors = 0;
  const get = async (key: string): Promise<string | null> => {
    try {
      const { value } = await client.get(key);
      if (value === null) {
        misses++;
        return null;
      }
      hits++;
      return value.toString('utf8');
    } catch (err) {
      errors++;
      misses++;
      log.warn({ err, key }, 'memcached get failed; treated as a miss');
      return null;
    }
  };
  return {
    mode: 'memcached',
    get,
    getMany: (keys) => Promise.all(keys.map(get)),
    set: async (key, value) => {
      try {
        await client.set(key, value, { expires: options.ttlS });
      } catch (err) {
        errors++;
        log.warn({ err, key }, 'memcached set failed');
      }
    },
    delete: async (key) => {
      try {
        await client.delete(key);
      } catch (err) {
        errors++;
        log.warn({ err, key }, 'memcached delete failed; the entry may be stale until its TTL');
      }
    },
    ping: (timeoutMs) =>
      // memjs has no version/noop call; `stats` answers once per server, so it proves each is up.
      new Promise<void>((resolve, reject) => {
        let pending = client.servers.length;
        const timer = setTimeout(() => reject(new Error(`memcached did not answer within ${timeoutMs} ms`)), timeoutMs);
        client.stats((err, server) => {
          if (err) {
            clearTimeout(timer);
            reject(new Error(`memcached ${server} failed: ${err.message}`));
          } else if (--pending === 0) {
            clearTimeout(timer);
            resolve();
          }
        });
      }),
    stats: () => ({ hits, misses, errors }),
    close: () => client.close(),
  };
}
