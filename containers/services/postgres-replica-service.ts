import type { ServiceSpec, SpecContext } from '../service-spec.ts';
import { POSTGRES_CREDENTIALS, POSTGRES_PORT, POSTGRES_SETTINGS } from './postgres-service.ts';

/**
 * A streaming replica of one physical shard (alias `pg-<index>-replica`): pg_basebackup from
 * the primary (retrying until the primary accepts it), then Postgres in hot-standby mode.
 * 2011: each of the 12 primaries had a streaming replica.
 */
export function postgresReplicaService(ctx: SpecContext, index: number, cpus?: number): ServiceSpec {
  const { user, password } = POSTGRES_CREDENTIALS;
  // The official image's data lives under /var/lib/postgresql (owned by postgres); ours under /var/lib/feedscale.
  const dataDir = ctx.catalog.kind === 'official' ? '/var/lib/postgresql/replica' : '/var/lib/feedscale/replica';
  const script = [
    'set -e',
    `until pg_basebackup -h pg-${index} -p ${POSTGRES_PORT} -U ${user} -D ${dataDir} -R -X stream -c fast; do rm -rf ${dataDir}; sleep 1; done`,
    `chmod 700 ${dataDir}`,
    `exec postgres -D ${dataDir} -c hot_standby=on ${POSTGRES_SETTINGS.map((setting) => `-c ${setting.replace('=*', "='*'")}`).join(' ')}`,
  ].join('\n');
  return {
    name: `pg-${index}-replica`,
    tier: 'postgres-replica',
    image: ctx.catalog.images.postgres,
    user: 'postgres',
    entrypoint: ['bash', '-c'],
    command: [script],
    environment: { PGPASSWORD: password, PATH: '/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
    tmpfs: { '/dev/shm': 'rw,size=256m' },
    ports: [],
    cpus,
    startedWhen: { kind: 'command', command: `psql -h 127.0.0.1 -U ${user} -d ${POSTGRES_CREDENTIALS.database} -tAc 'select pg_is_in_recovery()' | grep -q t` },
  };
}
