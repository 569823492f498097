import { GenericContainer, type StartedTestContainer, Wait } from 'testcontainers';
import { POSTGRES_CREDENTIALS, POSTGRES_PORT } from './postgres-container.ts';
import { type ServiceContext, commonSettings } from './service-context.ts';

export const PGBOUNCER_PORT = 6432;

export interface PgbouncerOptions {
  /** Alias of the Postgres host behind this pgbouncer. */
  postgresHost: string;
  /** default_pool_size: server connections per database/user pair. */
  poolSize: number;
  maxClientConnections?: number;
}

/** pgbouncer.ini for one shard: transaction pooling, SCRAM to clients and server. */
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
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
log_connections = 0
log_disconnections = 0
`;
}

export function createPgbouncerContainer(ctx: ServiceContext, index: number, options: PgbouncerOptions, cpus?: number): GenericContainer {
  const { user, password } = POSTGRES_CREDENTIALS;
  const container = new GenericContainer(ctx.catalog.images.pgbouncer)
    .withCopyContentToContainer([
      { content: pgbouncerIni(options), target: '/etc/feedscale/pgbouncer.ini', mode: 0o644 },
      { content: `"${user}" "${password}"\n`, target: '/etc/feedscale/userlist.txt', mode: 0o644 },
    ])
    .withExposedPorts(PGBOUNCER_PORT)
    .withWaitStrategy(Wait.forListeningPorts());
  // The official (edoburu) image's entrypoint would generate its own config; run pgbouncer directly.
  if (ctx.catalog.kind === 'official') container.withEntrypoint(['pgbouncer']).withCommand(['/etc/feedscale/pgbouncer.ini']);
  else container.withCommand(['pgbouncer', '/etc/feedscale/pgbouncer.ini']);
  return commonSettings(container, ctx, `pgbouncer-${index}`, cpus);
}

export type StartedPgbouncer = StartedTestContainer;
