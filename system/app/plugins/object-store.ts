import { HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { AppConfig } from '../app-config.ts';

/**
 * The photo store (S3 behind CloudFront in 2011, docs/facts.md). Two clients: one talks to
 * `endpoint` from inside the network (HeadObject), the other only signs URLs for
 * `publicEndpoint`, where clients PUT the bytes; presigning makes no network call.
 */
export interface ObjectStore {
  readonly bucket: string;
  readonly presignExpiresS: number;
  /** True when the object exists; false on 404; throws on anything else. */
  exists(key: string): Promise<boolean>;
  presignPut(key: string, contentType: string): Promise<string>;
  close(): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    objectStore: ObjectStore;
  }
}

export function createObjectStore(config: AppConfig['objectStore']): ObjectStore {
  const common = {
    region: config.region,
    forcePathStyle: true,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
  };
  const internal = new S3Client({ ...common, endpoint: config.endpoint, maxAttempts: 2 });
  // No flexible checksum in presigned URLs: the SDK would sign the CRC32 of an empty body and
  // a strict store (S3, MinIO) would then reject the client's PUT of the real bytes.
  const signer = new S3Client({ ...common, endpoint: config.publicEndpoint, requestChecksumCalculation: 'WHEN_REQUIRED' });
  return {
    bucket: config.bucket,
    presignExpiresS: config.presignExpiresS,
    exists: async (key) => {
      try {
        await internal.send(new HeadObjectCommand({ Bucket: config.bucket, Key: key }));
        return true;
      } catch (err) {
        if (err instanceof S3ServiceException && (err.$metadata.httpStatusCode === 404 || err.name === 'NotFound')) return false;
        throw err;
      }
    },
    presignPut: (key, contentType) =>
      getSignedUrl(signer, new PutObjectCommand({ Bucket: config.bucket, Key: key, ContentType: contentType }), {
        expiresIn: config.presignExpiresS,
        // Bind the content type into the signature, so a PUT with another type is refused (403).
        signableHeaders: new Set(['content-type']),
      }),
    close: () => {
      internal.destroy();
      signer.destroy();
    },
  };
}

export const objectStorePlugin = fp(
  async (app: FastifyInstance, opts: { config: AppConfig }) => {
    const store = createObjectStore(opts.config.objectStore);
    app.decorate('objectStore', store);
    app.addHook('onClose', async () => store.close());
  },
  { name: 'object-store' },
);
