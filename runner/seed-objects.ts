import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '../containers/s3-client.ts';
import type { ObjectStoreEndpoint } from '../lib/stack-endpoints.ts';
import { PLACEHOLDER_JPEG } from '../containers/services/cdn-service.ts';
import type { Dataset } from '../lib/dataset-types.ts';

/** Objects written per seeding at most: the newest media, the ones feeds show first. */
export const DEFAULT_SEED_OBJECTS_MAX = 2000;
const CONCURRENCY = 16;

/**
 * Puts a small placeholder image in the object store for the newest seeded media (those that
 * head the feeds). Millions of objects would dominate seeding on this machine, so older media
 * have a row but no object; the CDN answers those keys with the same placeholder
 * (containers/services/cdn-service.ts). Returns the number of objects written.
 */
export async function seedObjects(store: ObjectStoreEndpoint, dataset: Dataset, maxObjects = DEFAULT_SEED_OBJECTS_MAX, onProgress?: (done: number, total: number) => void): Promise<number> {
  const newest = [...dataset.media].sort((a, b) => b.createdAtMs - a.createdAtMs).slice(0, maxObjects);
  const s3 = createS3Client(store);
  let next = 0;
  let done = 0;
  try {
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, newest.length) }, async () => {
        for (let i = next++; i < newest.length; i = next++) {
          await s3.send(new PutObjectCommand({ Bucket: store.bucket, Key: newest[i]!.objectKey, Body: PLACEHOLDER_JPEG, ContentType: 'image/jpeg' }));
          onProgress?.(++done, newest.length);
        }
      }),
    );
  } finally {
    s3.destroy();
  }
  return done;
}
