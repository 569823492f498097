import { type ServiceSpec, type SpecContext, netemCapabilities } from '../service-spec.ts';
import { POSTGRES_CREDENTIALS, POSTGRES_PORT } from './postgres-service.ts';

export const PGBOUNCER_PORT = 6432;

export interface PgbouncerOptions {
  /** Alias of the Postgres host behind this pgbouncer. */
  postgresHost: string;
  /** default_pool_size: server connections per database/user pair. */
  poolSize: number;
  maxClientConnections?: number;
}

/**
 * pgbouncer.ini for one shard: transaction pooling, SCRAM to clients and server. After a failed
 * server connect pgbouncer waits server_login_retry before the next (default 15 s, while clients
 * queue): 1 s, so a shard whose primary moved (a failover re-points `[databases]` and RELOADs,
 * runner/faults/shard-failover.ts) is reached again within a second.
 */
export function pgbouncerIni(options: PgbouncerOptions): string {
  const { user, database } = POSTGRES_CREDENTIALS;
  return `[databases]
${database} = host=${options.postgresHost} port=${POSTGRES_PORT} dbname=${database}

[pgbouncer]
listen_addr = 0.0.0.0
listen_port = ${PGBOUNCER_PORT}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = /etc/feedscale/userlist.txt
admin_users = ${user}
stats_users = ${user}
pool_mode = transaction
default_pool_size = ${options.poolSize}
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = ${options.maxClientConnections ?? 2000}
server_login_retry = 1
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
log_connections = 0
log_disconnections = 0
`;
}

export function pgbouncerService(ctx: SpecContext, index: number, options: PgbouncerOptions, cpus?: number): ServiceSpec {
  const { user, password } = POSTGRES_CREDENTIALS;
  // The official (edoburu) image's entrypoint would generate its own config; run pgbouncer directly.
  const run = ctx.catalog.kind === 'official' ? { entrypoint: ['pgbouncer'], command: ['/etc/feedscale/pgbouncer.ini'] } : { command: ['pgbouncer', '/etc/feedscale/pgbouncer.ini'] };
  return {
    name: `pgbouncer-${index}`,
    tier: 'pgbouncer',
    image: ctx.catalog.images.pgbouncer,
    files: [
      { content: pgbouncerIni(options), target: '/etc/feedscale/pgbouncer.ini', mode: 0o644 },
      { content: `"${user}" "${password}"\n`, target: '/etc/feedscale/userlist.txt', mode: 0o644 },
    ],
    ...run,
    ports: [PGBOUNCER_PORT],
    cpus,
    ...netemCapabilities(ctx),
    startedWhen: { kind: 'ports' },
  };
}
