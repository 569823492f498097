import { CreateBucketCommand, HeadBucketCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import memjs from 'memjs';
import pg from 'pg';
import { request } from 'undici';
import { createS3Client } from './s3-client.ts';

/**
 * "Ready" means the part answered a real request, not that a port is open.
 * Each check retries until its deadline and throws with the last error.
 */
export async function retryUntil<T>(what: string, timeoutMs: number, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (let delayMs = 100; Date.now() < deadline; delayMs = Math.min(delayMs * 2, 1000)) {
    try {
      return await attempt();
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms: ${(lastError as Error)?.message ?? lastError}`);
}

export async function checkPostgresQuery(connection: pg.ClientConfig): Promise<void> {
  const client = new pg.Client({ ...connection, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
    if (rows[0]?.one !== 1) throw new Error('SELECT 1 returned something else');
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function checkRedisPing(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 3000, retryStrategy: () => null });
  try {
    await redis.connect();
    const reply = await redis.ping();
    if (reply !== 'PONG') throw new Error(`PING answered ${reply}`);
  } finally {
    redis.disconnect();
  }
}

export async function checkMemcached(server: string): Promise<void> {
  const client = memjs.Client.create(server, { retries: 0, timeout: 3, conntimeout: 3 });
  try {
    const key = 'feedscale:ready';
    await client.set(key, 'ok', { expires: 10 });
    const { value } = await client.get(key);
    if (value?.toString() !== 'ok') throw new Error('set/get round trip failed');
  } finally {
    client.close();
  }
}

export async function checkHttpOk(url: string): Promise<void> {
  const response = await request(url, { headersTimeout: 3000, bodyTimeout: 3000 });
  const body = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`GET ${url} answered ${response.statusCode}: ${body.slice(0, 200)}`);
}

/** Anyone may GET an object (not list, not write): what a bucket behind a CDN has on S3. */
export function publicReadPolicy(bucket: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] }],
  });
}

/**
 * HEAD the media bucket, creating it first if the store is empty (MinIO starts with none), and
 * let anyone read its objects: the CDN fetches them unsigned, as CloudFront reads a public-read
 * bucket. MinIO refuses unsigned reads without that policy; s3rver has no policies (501; its
 * verifying proxy lets unsigned object reads through itself).
 */
export async function ensureBucket(options: { endpoint: string; bucket: string; accessKeyId: string; secretAccessKey: string }): Promise<void> {
  const s3 = createS3Client(options, 1);
  const status = (err: unknown) => (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  try {
    try {
      await s3.send(new HeadBucketCommand({ Bucket: options.bucket }));
    } catch (err) {
      if (status(err) !== 404) throw err;
      await s3.send(new CreateBucketCommand({ Bucket: options.bucket }));
    }
    await s3.send(new PutBucketPolicyCommand({ Bucket: options.bucket, Policy: publicReadPolicy(options.bucket) })).catch((err: unknown) => {
      if (status(err) !== 501) throw err;
    });
  } finally {
    s3.destroy();
  }
}
