import { type ServiceSpec, type SpecContext, netemCapabilities } from '../service-spec.ts';

export const POSTGRES_PORT = 5432;
export const POSTGRES_CREDENTIALS = Object.freeze({ user: 'feedscale', password: 'feedscale', database: 'feedscale' });

/**
 * Server settings shared by both catalogs. pg_stat_statements feeds the server-side report.
 * A larger WAL budget keeps checkpoints out of bulk seeding (the default 1 GB forced one every
 * few seconds of COPY at scale 1/100); shared_buffers is modest: 2011's hosts kept the working
 * set in RAM through the OS cache as much as through Postgres (docs/facts.md).
 */
export const POSTGRES_SETTINGS = Object.freeze([
  'listen_addresses=*',
  'shared_preload_libraries=pg_stat_statements',
  'max_connections=300',
  'wal_level=replica',
  'shared_buffers=256MB',
  'max_wal_size=8GB',
  'checkpoint_timeout=30min',
  'maintenance_work_mem=256MB',
]);

/**
 * Run by the official image's entrypoint once, after initdb (/docker-entrypoint-initdb.d):
 * replication connections from other hosts with the password, as the local image's pg_hba.conf
 * has them from its build.
 */
export const OFFICIAL_REPLICATION_HBA_SCRIPT = `#!/bin/sh
set -e
printf 'host replication all all scram-sha-256\\n' >> "$PGDATA/pg_hba.conf"
`;

/** One physical Postgres host (network alias `pg-<index>`), reached by the app only through its pgbouncer. */
export function postgresService(ctx: SpecContext, index: number, cpus?: number): ServiceSpec {
  const { user, password, database } = POSTGRES_CREDENTIALS;
  return {
    name: `pg-${index}`,
    tier: 'postgres',
    image: ctx.catalog.images.postgres,
    command: ['postgres', ...POSTGRES_SETTINGS.flatMap((s) => ['-c', s])],
    ...(ctx.catalog.kind === 'official'
      ? {
          environment: { POSTGRES_USER: user, POSTGRES_PASSWORD: password, POSTGRES_DB: database },
          // The official entrypoint lets remote hosts in with `host all all all`, which matches
          // no replication connection: a streaming replica's pg_basebackup would be refused.
          files: [{ content: OFFICIAL_REPLICATION_HBA_SCRIPT, target: '/docker-entrypoint-initdb.d/10-feedscale-replication.sh', mode: 0o755 }],
        }
      : {}),
    tmpfs: { '/dev/shm': 'rw,size=256m' },
    ports: [],
    cpus,
    ...netemCapabilities(ctx),
    startedWhen: { kind: 'command', command: `pg_isready -h 127.0.0.1 -p ${POSTGRES_PORT} -U ${user} -d ${database}` },
  };
}
