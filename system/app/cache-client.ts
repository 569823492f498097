import { withTimeout } from '../data/sharded-db.ts';
import { HashRing } from './hash-ring.ts';
import { MemcachedConnection } from './memcached-connection.ts';

/** Per memcached operation, from the moment it is written. */
const OPERATION_TIMEOUT_MS = 500;

/**
 * The read-through cache in front of Postgres: memcached in 2011 (6 instances, docs/facts.md),
 * or nothing at all when a scenario turns it off. Both share this interface so routes never ask
 * which one they have. A cache failure is logged and treated as a miss: the cache speeds reads
 * up, it never fails them.
 */
export interface CacheClient {
  readonly mode: 'memcached' | 'off';
  get(key: string): Promise<string | null>;
  /** The value's bytes as received, for values sent on as they are (a cached media in a response). */
  getBytes(key: string): Promise<Buffer | null>;
  /**
   * Values' bytes as received, in `keys` order, of the keys `${prefix}${key}`; one batch of quiet
   * gets per server the keys live on. (A page of 20 media passes its IDs and `media:`: no key
   * strings built.)
   */
  getManyBytes(keys: readonly string[], prefix?: string): Promise<(Buffer | null)[]>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  /** Resolves when every server answers; rejects otherwise. */
  ping(timeoutMs: number): Promise<void>;
  /** Lookups since start (every get counts once per key). */
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
    getBytes: async () => {
      misses++;
      return null;
    },
    getManyBytes: async (keys) => {
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
 * One pipelined binary-protocol connection per server (memcached-connection.ts) and a ketama
 * ring choosing the server of each key (memjs's own multi-server mode hashed `key % N`, which
 * moves nearly every key when N changes). A page of keys is one batch per server it touches.
 */
export function createMemcachedCache(options: { servers: readonly string[]; ttlS: number; log: CacheLog }): CacheClient {
  const { log, ttlS } = options;
  const ring = new HashRing(options.servers);
  const nodes = ring.servers.map((server) => ({
    server,
    // A slow memcached must not hold a request for seconds: 0.5 s, no retry (as with memjs before).
    connection: new MemcachedConnection(server, { timeoutMs: OPERATION_TIMEOUT_MS }),
    hits: 0,
    misses: 0,
    errors: 0,
  }));
  type Node = (typeof nodes)[number];
  // Operations cut short by close() (requests still in flight at shutdown) fail quietly.
  let closed = false;
  const warn = (obj: object, msg: string): void => {
    if (!closed) log.warn(obj, msg);
  };
  const nodeFor = (key: string): Node => nodes[ring.indexFor(key)] as Node;

  /** Counts a node's answers; a failed lookup is a miss (and an error) per key. */
  const counted = (node: Node, keys: readonly string[], lookup: Promise<(Buffer | null)[]>): Promise<(Buffer | null)[]> =>
    lookup.then(
      (values) => {
        for (const value of values) {
          if (value === null) node.misses++;
          else node.hits++;
        }
        return values;
      },
      (err: unknown) => {
        node.errors += keys.length;
        node.misses += keys.length;
        warn({ err, keys: keys.length, server: node.server }, 'memcached get failed; treated as a miss');
        return new Array<Buffer | null>(keys.length).fill(null);
      },
    );

  const getManyBytes = (keys: readonly string[], prefix = ''): Promise<(Buffer | null)[]> => {
    if (keys.length === 0) return Promise.resolve([]);
    if (nodes.length === 1) {
      const node = nodes[0] as Node;
      return counted(node, keys, node.connection.getMany(keys, prefix));
    }
    // One batch per server, each key's answer put back at its position.
    const batches = new Map<Node, { keys: string[]; slots: number[] }>();
    keys.forEach((key, slot) => {
      const node = nodeFor(prefix + key);
      let batch = batches.get(node);
      if (batch === undefined) batches.set(node, (batch = { keys: [], slots: [] }));
      batch.keys.push(key);
      batch.slots.push(slot);
    });
    const out = new Array<Buffer | null>(keys.length).fill(null);
    return Promise.all(
      [...batches].map(([node, batch]) =>
        counted(node, batch.keys, node.connection.getMany(batch.keys, prefix)).then((values) => {
          for (let i = 0; i < values.length; i++) out[batch.slots[i] as number] = values[i] as Buffer | null;
        }),
      ),
    ).then(() => out);
  };

  const sum = (field: 'hits' | 'misses' | 'errors'): number => nodes.reduce((total, node) => total + node[field], 0);
  const pingOne = (node: Node, timeoutMs: number): Promise<void> =>
    withTimeout(node.connection.version(), timeoutMs, `memcached ${node.server}`).then(
      () => undefined,
      (err: Error) => {
        throw new Error(`memcached ${node.server} failed: ${err.message}`);
      },
    );
  return {
    mode: 'memcached',
    get: (key) => getManyBytes([key]).then((values) => values[0]?.toString('utf8') ?? null),
    getBytes: (key) => getManyBytes([key]).then((values) => values[0] ?? null),
    getManyBytes,
    set: async (key, value) => {
      const node = nodeFor(key);
      try {
        await node.connection.set(key, value, ttlS);
      } catch (err) {
        node.errors++;
        warn({ err, key, server: node.server }, 'memcached set failed');
      }
    },
    delete: async (key) => {
      const node = nodeFor(key);
      try {
        await node.connection.delete(key);
      } catch (err) {
        node.errors++;
        warn({ err, key, server: node.server }, 'memcached delete failed; the entry may be stale until its TTL');
      }
    },
    ping: async (timeoutMs) => {
      await Promise.all(nodes.map((node) => pingOne(node, timeoutMs)));
    },
    stats: () => ({ hits: sum('hits'), misses: sum('misses'), errors: sum('errors') }),
    serverStats: () => nodes.map(({ server, hits, misses, errors }) => ({ server, hits, misses, errors })),
    close: () => {
      closed = true;
      for (const node of nodes) node.connection.close();
    },
  };
}
