import { GenericContainer, type StartedTestContainer, Wait } from 'testcontainers';
import { type ServiceContext, commonSettings } from './service-context.ts';

export const POSTGRES_PORT = 5432;
export const POSTGRES_CREDENTIALS = Object.freeze({ user: 'feedscale', password: 'feedscale', database: 'feedscale' });

/**
 * Server settings shared by both catalogs. pg_stat_statements feeds the server-side report.
 * A larger WAL budget keeps checkpoints out of bulk seeding (the default 1 GB forced one every
 * few seconds of COPY at scale 1/100); shared_buffers is modest: 2011's hosts kept the working
 * set in RAM through the OS cache as much as through Postgres (shared/FACTS.md).
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

/** One physical Postgres host (network alias `pg-<index>`), reached by the app only through its pgbouncer. */
export function createPostgresContainer(ctx: ServiceContext, index: number, cpus?: number): GenericContainer {
  const container = new GenericContainer(ctx.catalog.images.postgres)
    .withCommand(['postgres', ...POSTGRES_SETTINGS.flatMap((s) => ['-c', s])])
    .withTmpFs({ '/dev/shm': 'rw,size=256m' })
    .withWaitStrategy(Wait.forSuccessfulCommand(`pg_isready -h 127.0.0.1 -p ${POSTGRES_PORT} -U ${POSTGRES_CREDENTIALS.user} -d ${POSTGRES_CREDENTIALS.database}`));
  if (ctx.catalog.kind === 'official') {
    container.withEnvironment({
      POSTGRES_USER: POSTGRES_CREDENTIALS.user,
      POSTGRES_PASSWORD: POSTGRES_CREDENTIALS.password,
      POSTGRES_DB: POSTGRES_CREDENTIALS.database,
    });
  }
  return commonSettings(container, ctx, `pg-${index}`, cpus);
}

export type StartedPostgres = StartedTestContainer;
