import type { ImageCatalogChoice } from '../stack-config.ts';

/** The services of the reference stack; every catalog provides an image for each. */
export const SERVICES = ['postgres', 'pgbouncer', 'redis', 'memcached', 'nginx', 'objectstore', 'app'] as const;
export type ServiceName = (typeof SERVICES)[number];

export type CatalogKind = 'official' | 'local';

/**
 * Pinned registry images: the one place tags live. The app image is always built here
 * (it is our code), on top of `node`.
 */
export const OFFICIAL_IMAGES = Object.freeze({
  postgres: 'postgres:15.10-bookworm',
  pgbouncer: 'edoburu/pgbouncer:v1.23.1-p3',
  redis: 'redis:7.2.7-bookworm',
  memcached: 'memcached:1.6.34-bookworm',
  nginx: 'nginx:1.27.3-bookworm',
  objectstore: 'minio/minio:RELEASE.2024-12-18T13-15-44Z',
  node: 'node:20.18.1-bookworm-slim',
});

/** What differs between catalogs, beyond the image names; the service modules read this. */
export interface ObjectStoreFlavour {
  kind: 'minio' | 's3rver';
  accessKeyId: string;
  secretAccessKey: string;
  /**
   * Whether SigV4 signatures (presigned URLs and Authorization headers) are verified: MinIO does;
   * the local image puts a verifying proxy in front of s3rver, which does not (objectstore/).
   */
  verifiesSignatures: boolean;
}

export interface ResolvedCatalog {
  requested: ImageCatalogChoice;
  kind: CatalogKind;
  /** Why this catalog was used, for the report. */
  reason: string;
  images: Readonly<Record<ServiceName, string>>;
  objectStore: ObjectStoreFlavour;
}

export const OBJECT_STORE_FLAVOURS: Readonly<Record<CatalogKind, ObjectStoreFlavour>> = Object.freeze({
  official: { kind: 'minio', accessKeyId: 'feedscale', secretAccessKey: 'feedscale-secret', verifiesSignatures: true },
  local: { kind: 's3rver', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', verifiesSignatures: true },
});
