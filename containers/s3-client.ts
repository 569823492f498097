import { S3Client } from '@aws-sdk/client-s3';

/** An S3 client for the stack's object store as the harness reaches it (path-style, one region). */
export function createS3Client(store: { endpoint: string; accessKeyId: string; secretAccessKey: string }, maxAttempts = 3): S3Client {
  return new S3Client({
    endpoint: store.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey },
    maxAttempts,
  });
}
