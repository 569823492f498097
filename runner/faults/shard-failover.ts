import type { ShardEndpoint } from '../../lib/stack-endpoints.ts';
import { POSTGRES_CREDENTIALS, POSTGRES_PORT } from '../../containers/services/postgres-service.ts';
import { createSimpleQueryClient } from '../collectors/simple-query-client.ts';
import { type FaultContext, containerOf, execOk, waitUntil } from './fault-containers.ts';

/** How long the primary may take to shut down (it streams the rest of its WAL to the replica first). */
const SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * Fails shard `index` over to its streaming replica, the way an operator would in 2011:
 *
 * 1. stop the primary `pg-<index>` with a fast shutdown (SIGINT: open transactions are rolled
 *    back, committed ones were acknowledged; before it exits, the primary sends the replica every
 *    WAL record up to its shutdown checkpoint, so no acknowledged write is left behind);
 * 2. promote `pg-<index>-replica` (`SELECT pg_promote()`, waiting until it accepts writes);
 * 3. re-point `pgbouncer-<index>` at it: rewrite the `[databases]` host in its ini and RELOAD
 *    through the admin console. The app keeps its connections to pgbouncer and needs no restart;
 *    queries that failed meanwhile were answered with errors, and pg.Pool drops those clients.
 *
 * `onStep` is told each milestone as it is reached.
 */
export async function failOverShard(ctx: FaultContext, index: number, pgbouncer: ShardEndpoint, onStep: (step: string) => void): Promise<void> {
  const primary = await containerOf(ctx, `pg-${index}`);
  const replica = await containerOf(ctx, `pg-${index}-replica`);
  const bouncer = await containerOf(ctx, `pgbouncer-${index}`);

  // docker stop would send SIGTERM: a "smart" shutdown that waits for pgbouncer's idle server
  // connections to go away, i.e. for ever, until docker's SIGKILL (which loses the WAL tail).
  await primary.kill({ signal: 'SIGINT' });
  try {
    await waitUntil(`pg-${index} to shut down`, SHUTDOWN_TIMEOUT_MS, async () => !(await primary.inspect()).State.Running);
  } catch (err) {
    await primary.kill({ signal: 'SIGKILL' }).catch(() => undefined);
    throw err;
  }
  onStep('primary stopped');

  const { user, database } = POSTGRES_CREDENTIALS;
  const promoted = await execOk(replica, ['psql', '-h', '127.0.0.1', '-p', String(POSTGRES_PORT), '-U', user, '-d', database, '-tAc', 'SELECT pg_promote(true, 30)'], { timeoutMs: 40_000 });
  if (promoted.trim() !== 't') throw new Error(`pg_promote() on pg-${index}-replica answered ${JSON.stringify(promoted.trim())}`);
  onStep('replica promoted');

  await execOk(bouncer, ['sh', '-c', `sed -i 's/host=pg-${index} /host=pg-${index}-replica /' /etc/feedscale/pgbouncer.ini && grep -q 'host=pg-${index}-replica ' /etc/feedscale/pgbouncer.ini`], {
    user: 'root',
  });
  const admin = createSimpleQueryClient(pgbouncer, 'pgbouncer', 5000);
  try {
    await admin.query('RELOAD');
  } finally {
    await admin.close();
  }
  onStep('pgbouncer re-pointed');
}
