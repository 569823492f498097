import { withTimeout } from '../data/sharded-db.ts';
import { HashRing } from './hash-ring.ts';
import { MemcachedConnection } from './memcached-connection.ts';
import { ConnectionFailure } from './pipelined-connection.ts';

/**
 * Per memcached operation, from the moment it is written. It also bounds how long the requests
 * in flight wait on a server that died without closing its connections (a killed container): the
 * server is out of service from its first failure on. The app's own stalls do not count against
 * it (pipelined-connection.ts checks a late timer again).
 */
const OPERATION_TIMEOUT_MS = 500;
/** How long a failed server stays out of service before it is probed (libmemcached's retry_timeout is 2 s). */
const RETRY_INTERVAL_MS = 1000;
/** Invalidations kept per server out of service; past this, it is flushed before it serves again. */
const MISSED_DELETES_MAX = 10_000;

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
 *
 * A server whose connection fails (refused, reset, closed, no answer within the operation
 * timeout) is taken out of service: its keys are misses at once (the reads go to Postgres) and
 * are not written, so requests stop waiting on a dead server after its first failure instead of
 * each paying the timeout. Every `retryIntervalMs` it is probed (VERSION); once it answers, the
 * invalidations it missed meanwhile are replayed (or, if there were more than
 * MISSED_DELETES_MAX, it is flushed) and it serves again. Its keys are not moved to the other
 * servers meanwhile, as libmemcached's remove-failed-servers would: a server that only dropped
 * off the network for a moment would come back with entries the others had invalidated in its
 * place, and a later failure would bring back what the stand-ins cached; this way no entry is
 * ever stale, at the price of misses for 1/N of the keys while a server is out.
 */
export function createMemcachedCache(options: { servers: readonly string[]; ttlS: number; log: CacheLog; retryIntervalMs?: number }): CacheClient {
  const { log, ttlS } = options;
  const retryIntervalMs = options.retryIntervalMs ?? RETRY_INTERVAL_MS;
  const ring = new HashRing(options.servers);
  const nodes = ring.servers.map((server) => ({
    server,
    // A slow memcached must not hold a request: OPERATION_TIMEOUT_MS, then out of service.
    connection: new MemcachedConnection(server, { timeoutMs: OPERATION_TIMEOUT_MS }),
    hits: 0,
    misses: 0,
    errors: 0,
    /** Out of service since a connection failure, until a probe answers. */
    ejected: false,
    /** Keys invalidated while out of service (replayed before it serves again); null once too many to keep. */
    missedDeletes: new Set<string>() as Set<string> | null,
  }));
  type Node = (typeof nodes)[number];
  // Operations cut short by close() (requests still in flight at shutdown) fail quietly.
  let closed = false;
  const warn = (obj: object, msg: string): void => {
    if (!closed) log.warn(obj, msg);
  };
  const nodeFor = (key: string): Node => nodes[ring.indexFor(key)] as Node;

  const missedDelete = (node: Node, key: string): void => {
    if (node.missedDeletes !== null && node.missedDeletes.size < MISSED_DELETES_MAX) node.missedDeletes.add(key);
    else node.missedDeletes = null;
  };
  /** Replays the deletes a node missed (or flushes it), until none are left; then it serves again. */
  const catchUp = async (node: Node): Promise<void> => {
    for (;;) {
      const missed = node.missedDeletes;
      node.missedDeletes = new Set();
      try {
        if (missed === null) await node.connection.flush();
        else await Promise.all([...missed].map((key) => node.connection.delete(key)));
      } catch (err) {
        // Kept for the next probe, with whatever was missed meanwhile.
        if (missed === null || node.missedDeletes === null) node.missedDeletes = null;
        else for (const key of missed) missedDelete(node, key);
        throw err;
      }
      if (node.missedDeletes.size === 0) return;
    }
  };
  const probe = (node: Node): void => {
    const timer = setTimeout(() => {
      if (closed) return;
      withTimeout(node.connection.version(), OPERATION_TIMEOUT_MS, `memcached ${node.server}`)
        .then(() => catchUp(node))
        .then(
          () => {
            if (closed) return;
            node.ejected = false;
            warn({ server: node.server }, 'memcached server answers again; back in service');
          },
          () => probe(node),
        );
    }, retryIntervalMs);
    timer.unref();
  };
  /** Takes a node out of service after a connection failure (not after a status the server sent). */
  const failed = (node: Node, err: unknown): void => {
    if (closed || node.ejected || !(err instanceof ConnectionFailure)) return;
    node.ejected = true;
    warn({ err, server: node.server, retryIntervalMs }, 'memcached server out of service; its keys are misses until it answers again');
    probe(node);
  };

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
        failed(node, err);
        return new Array<Buffer | null>(keys.length).fill(null);
      },
    );
  /** A node's lookup: misses at once while it is out of service. */
  const lookup = (node: Node, keys: readonly string[], prefix: string): Promise<(Buffer | null)[]> => {
    if (!node.ejected) return counted(node, keys, node.connection.getMany(keys, prefix));
    node.misses += keys.length;
    return Promise.resolve(new Array<Buffer | null>(keys.length).fill(null));
  };

  const getManyBytes = (keys: readonly string[], prefix = ''): Promise<(Buffer | null)[]> => {
    if (keys.length === 0) return Promise.resolve([]);
    if (nodes.length === 1) return lookup(nodes[0] as Node, keys, prefix);
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
        lookup(node, batch.keys, prefix).then((values) => {
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
      if (node.ejected) return;
      try {
        await node.connection.set(key, value, ttlS);
      } catch (err) {
        node.errors++;
        warn({ err, key, server: node.server }, 'memcached set failed');
        failed(node, err);
      }
    },
    delete: async (key) => {
      const node = nodeFor(key);
      if (node.ejected) {
        missedDelete(node, key);
        return;
      }
      try {
        await node.connection.delete(key);
      } catch (err) {
        node.errors++;
        failed(node, err);
        if (node.ejected) missedDelete(node, key);
        else warn({ err, key, server: node.server }, 'memcached delete failed; the entry may be stale until its TTL');
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
