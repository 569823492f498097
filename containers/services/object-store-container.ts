import { GenericContainer, Wait } from 'testcontainers';
import { type ServiceContext, commonSettings } from './service-context.ts';

export const OBJECT_STORE_PORT = 9000;
export const MEDIA_BUCKET = 'media';

/** S3: MinIO from the official catalog, s3rver (which does not verify presigned signatures) from the local one. */
export function createObjectStoreContainer(ctx: ServiceContext): GenericContainer {
  const flavour = ctx.catalog.objectStore;
  const container = new GenericContainer(ctx.catalog.images.objectstore).withExposedPorts(OBJECT_STORE_PORT);
  if (flavour.kind === 'minio') {
    container
      .withEnvironment({ MINIO_ROOT_USER: flavour.accessKeyId, MINIO_ROOT_PASSWORD: flavour.secretAccessKey })
      .withCommand(['server', '/data', '--address', `:${OBJECT_STORE_PORT}`])
      .withWaitStrategy(Wait.forHttp('/minio/health/ready', OBJECT_STORE_PORT));
  } else {
    container
      .withEnvironment({ S3RVER_PORT: String(OBJECT_STORE_PORT), S3RVER_BUCKETS: MEDIA_BUCKET, S3RVER_DIR: '/data' })
      .withWaitStrategy(Wait.forLogMessage(/s3rver listening/));
  }
  return commonSettings(container, ctx, 'objectstore');
}
