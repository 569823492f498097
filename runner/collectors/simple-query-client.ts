import pg from 'pg';
import type { ShardEndpoint } from '../../lib/stack-endpoints.ts';

/**
 * One lazily opened connection for a collector, reopened at the next sample after it breaks.
 * Simple query protocol only: pgbouncer's admin console speaks nothing else, and through
 * pgbouncer in transaction mode no session state may be relied on. No application_name:
 * pgbouncer would replay it as a SET on every server it assigns.
 */
export interface SimpleQueryClient {
  query(text: string): Promise<pg.QueryResult>;
  close(): Promise<void>;
}

export function createSimpleQueryClient(shard: ShardEndpoint, database: string, timeoutMs: number): SimpleQueryClient {
  let client: pg.Client | undefined;
  const drop = (c: pg.Client) => {
    if (client !== c) return;
    client = undefined;
    void c.end().catch(() => {});
  };
  const connected = async (): Promise<pg.Client> => {
    if (client) return client;
    const fresh = new pg.Client({
      host: shard.host,
      port: shard.port,
      user: shard.user,
      password: shard.password,
      database,
      connectionTimeoutMillis: timeoutMs,
      query_timeout: timeoutMs,
    });
    fresh.on('error', () => {
      if (client === fresh) client = undefined;
    });
    try {
      await fresh.connect();
    } catch (err) {
      await fresh.end().catch(() => {});
      throw err;
    }
    client = fresh;
    return fresh;
  };
  return {
    async query(text) {
      const c = await connected();
      try {
        return await c.query({ text, queryMode: 'simple' } as pg.QueryConfig);
      } catch (err) {
        // An error the server sent (it has a SQLSTATE code) leaves the connection usable; a
        // timeout or a broken socket may leave it mid-reply: the next sample opens a new one.
        if (!(err instanceof Error && 'code' in err)) drop(c);
        throw err;
      }
    },
    async close() {
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
