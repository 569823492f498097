import type { ObjectStoreEndpoint } from '../../lib/stack-endpoints.ts';
import { checkHttpOk, ensureBucket } from '../readiness.ts';
import { CDN_PORT, cdnService } from '../services/cdn-service.ts';
import { MEDIA_BUCKET, OBJECT_STORE_PORT, objectStoreService } from '../services/object-store-service.ts';
import type { StackConfig } from '../stack-config.ts';
import { LOOPBACK, type StackRun, ready, start } from './stack-run.ts';

export interface ObjectStoreTier {
  objectStore: ObjectStoreEndpoint;
  /** The CDN in front of the store: http://127.0.0.1:<port> */
  cdnUrl: string;
}

/**
 * S3 and CloudFront of 2011: the object store (ready when the media bucket exists), then the
 * CDN, which resolves the store's name when it starts and so comes right after it.
 */
export async function startObjectStoreTier(run: StackRun, config: Readonly<StackConfig>): Promise<ObjectStoreTier> {
  const store = await start(run, objectStoreService(run));
  const { accessKeyId, secretAccessKey, verifiesSignatures } = run.catalog.objectStore;
  const objectStore: ObjectStoreEndpoint = {
    endpoint: `http://${LOOPBACK}:${store.getMappedPort(OBJECT_STORE_PORT)}`,
    bucket: MEDIA_BUCKET,
    accessKeyId,
    secretAccessKey,
    verifiesSignatures,
  };
  const cdn = await start(run, cdnService(run, config.cpus.nginx));
  const cdnUrl = `http://${LOOPBACK}:${cdn.getMappedPort(CDN_PORT)}`;
  await Promise.all([ready(run, 'objectstore', () => ensureBucket(objectStore)), ready(run, 'cdn', () => checkHttpOk(`${cdnUrl}/cdn/health`))]);
  return { objectStore, cdnUrl };
}
