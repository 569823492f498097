import type { ServiceSpec, SpecContext } from '../service-spec.ts';

export const OBJECT_STORE_PORT = 9000;
export const MEDIA_BUCKET = 'media';

/** S3: MinIO from the official catalog, s3rver (behind a Signature V4 check) from the local one. */
export function objectStoreService(ctx: SpecContext): ServiceSpec {
  const flavour = ctx.catalog.objectStore;
  const base = { name: 'objectstore', tier: 'objectstore', image: ctx.catalog.images.objectstore, ports: [OBJECT_STORE_PORT] } as const;
  if (flavour.kind === 'minio') {
    return {
      ...base,
      environment: { MINIO_ROOT_USER: flavour.accessKeyId, MINIO_ROOT_PASSWORD: flavour.secretAccessKey },
      command: ['server', '/data', '--address', `:${OBJECT_STORE_PORT}`],
      startedWhen: { kind: 'http', path: '/minio/health/ready', port: OBJECT_STORE_PORT },
    };
  }
  return {
    ...base,
    environment: {
      S3RVER_PORT: String(OBJECT_STORE_PORT),
      S3RVER_BUCKETS: MEDIA_BUCKET,
      S3RVER_DIR: '/data',
      S3RVER_ACCESS_KEY_ID: flavour.accessKeyId,
      S3RVER_SECRET_ACCESS_KEY: flavour.secretAccessKey,
    },
    startedWhen: { kind: 'log', pattern: /s3rver listening/ },
  };
}
