import type { ImageCatalogChoice } from '../stack-config.ts';

/** The services of the reference stack; every catalog provides an image for each. */
export const SERVICES = ['postgres', 'pgbouncer', 'redis', 'memcached', 'nginx', 'objectstore', 'app'] as const;
export type ServiceName = (typeof SERVICES)[number];

export type CatalogKind = 'official' | 'local';

/**
 * Pinned registry images, by their names on Docker Hub: the one place tags live. The app
 * image is always built here (it is our code), on top of `node`.
 */
export const OFFICIAL_IMAGE_NAMES = Object.freeze({
  postgres: 'postgres:15.10-bookworm',
  pgbouncer: 'edoburu/pgbouncer:v1.23.1-p3',
  redis: 'redis:7.2.7-bookworm',
  memcached: 'memcached:1.6.34-bookworm',
  nginx: 'nginx:1.27.3-bookworm',
  objectstore: 'minio/minio:RELEASE.2024-12-18T13-15-44Z',
  node: 'node:20.18.1-bookworm-slim',
});

/**
 * A registry that serves the official images under their Docker Hub names (a mirror, or the
 * local registry of stand-ins: containers/images/official-standins/), e.g. `127.0.0.1:5000`:
 * `postgres:15.10-bookworm` is then pulled as `127.0.0.1:5000/postgres:15.10-bookworm`, by
 * this engine and by a swarm or cluster the stack is deployed to. Read once, from
 * FEEDSCALE_REGISTRY; unset means Docker Hub.
 */
export const OFFICIAL_REGISTRY: string | undefined = process.env.FEEDSCALE_REGISTRY?.replace(/\/+$/, '') || undefined;

/** An official image's name as pulled from `registry` (Docker Hub when undefined). */
export function fromRegistry(image: string, registry: string | undefined): string {
  return registry ? `${registry}/${image}` : image;
}

/** The official images as this machine pulls them: OFFICIAL_IMAGE_NAMES, under OFFICIAL_REGISTRY when one is set. */
export const OFFICIAL_IMAGES: Readonly<typeof OFFICIAL_IMAGE_NAMES> = Object.freeze(
  Object.fromEntries(Object.entries(OFFICIAL_IMAGE_NAMES).map(([service, image]) => [service, fromRegistry(image, OFFICIAL_REGISTRY)])) as typeof OFFICIAL_IMAGE_NAMES,
);

/**
 * Label on the stand-ins feedscale builds for the official images where no registry can be
 * reached (official-standins/): a report on them says so, since they are not the real images.
 */
export const STANDIN_LABEL = 'feedscale.official-standin';

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
