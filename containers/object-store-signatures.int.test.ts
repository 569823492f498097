import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { request } from 'undici';
import { afterAll, describe, expect, inject, it } from 'vitest';

// The object store of the running stack refuses presigned PUTs and signed requests that S3 or
// MinIO would refuse, and writes nothing for them: tampered signature, key or signed content
// type, an expired URL, another secret, an unknown access key, no credentials at all. The
// app's own upload flow (presign -> PUT -> complete -> CDN) keeps working.
const stack = inject('stack');
const store = stack.objectStore;
const prefix = `sigv4-int/${Date.now().toString(36)}/`;
const image = Buffer.from([0xff, 0xd8, 0xff, 0xe0, ...Buffer.from(`signed ${prefix}`), 0xff, 0xd9]);

function s3Client(credentials = { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey }): S3Client {
  // As the app presigns (system/app/plugins/object-store.ts): no CRC32 of an empty body in the URL.
  return new S3Client({ endpoint: store.endpoint, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1, requestChecksumCalculation: 'WHEN_REQUIRED' });
}
const s3 = s3Client();

afterAll(() => s3.destroy());

async function presignPut(
  key: string,
  options: { signContentType?: boolean; signingDate?: Date; expiresInS?: number; client?: S3Client } = {},
): Promise<URL> {
  const client = options.client ?? s3;
  const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: store.bucket, Key: key, ContentType: 'image/jpeg' }), {
    expiresIn: options.expiresInS ?? 300,
    ...(options.signingDate ? { signingDate: options.signingDate } : {}),
    ...(options.signContentType ? { signableHeaders: new Set(['content-type']) } : {}),
  });
  return new URL(url);
}

async function put(url: URL | string, contentType = 'image/jpeg'): Promise<{ status: number; code: string | undefined; body: string }> {
  const res = await request(url, { method: 'PUT', body: image, headers: { 'content-type': contentType } });
  const body = await res.body.text();
  return { status: res.statusCode, code: /<Code>([^<]+)<\/Code>/.exec(body)?.[1], body };
}

async function exists(key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: store.bucket, Key: key }));
    return true;
  } catch (err) {
    if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404) return false;
    throw err;
  }
}

describe('object store signature verification', () => {
  /** Every key a refused request aimed at; none may exist at the end. */
  const refusedKeys: string[] = [];

  it('is declared to verify signatures by the catalog that started it', () => {
    expect(store.verifiesSignatures).toBe(true);
  });

  it('stores the object of a valid presigned PUT', async () => {
    const key = `${prefix}valid.jpg`;
    const res = await put(await presignPut(key));
    expect(res.status).toBe(200);
    const got = await s3.send(new GetObjectCommand({ Bucket: store.bucket, Key: key }));
    expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(image);
  });

  it('refuses a presigned PUT whose signature was changed with 403 SignatureDoesNotMatch', async () => {
    const key = `${prefix}tampered-signature.jpg`;
    const url = await presignPut(key);
    const signature = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set('X-Amz-Signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`);
    refusedKeys.push(key);
    expect(await put(url)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('refuses a presigned PUT sent to another object key with 403 SignatureDoesNotMatch', async () => {
    const url = await presignPut(`${prefix}signed-key.jpg`);
    const otherKey = `${prefix}other-key.jpg`;
    url.pathname = `/${store.bucket}/${otherKey}`;
    refusedKeys.push(otherKey, `${prefix}signed-key.jpg`);
    expect(await put(url)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('refuses another Content-Type when the URL signed it with 403 SignatureDoesNotMatch', async () => {
    const key = `${prefix}signed-content-type.jpg`;
    const url = await presignPut(key, { signContentType: true });
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-type;host');
    refusedKeys.push(key);
    expect(await put(url, 'text/html')).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('refuses an expired presigned PUT with 403 AccessDenied "Request has expired"', async () => {
    const key = `${prefix}expired.jpg`;
    // Signed two minutes ago for one minute: X-Amz-Date + X-Amz-Expires is in the past.
    const url = await presignPut(key, { signingDate: new Date(Date.now() - 120_000), expiresInS: 60 });
    refusedKeys.push(key);
    const res = await put(url);
    expect(res).toMatchObject({ status: 403, code: 'AccessDenied' });
    expect(res.body).toContain('<Message>Request has expired</Message>');
  });

  it('refuses a presigned PUT after its one-second lifetime has passed', async () => {
    const key = `${prefix}expired-after-wait.jpg`;
    const url = await presignPut(key, { expiresInS: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    refusedKeys.push(key);
    expect(await put(url)).toMatchObject({ status: 403, code: 'AccessDenied' });
  });

  it('refuses a presigned PUT signed with another secret with 403 SignatureDoesNotMatch', async () => {
    const key = `${prefix}other-secret.jpg`;
    const foreign = s3Client({ accessKeyId: store.accessKeyId, secretAccessKey: `${store.secretAccessKey}-not` });
    const url = await presignPut(key, { client: foreign });
    foreign.destroy();
    refusedKeys.push(key);
    expect(await put(url)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
  });

  it('refuses a presigned PUT signed with an unknown access key with 403 InvalidAccessKeyId', async () => {
    const key = `${prefix}other-access-key.jpg`;
    const foreign = s3Client({ accessKeyId: 'FEEDSCALEUNKNOWN', secretAccessKey: store.secretAccessKey });
    const url = await presignPut(key, { client: foreign });
    foreign.destroy();
    refusedKeys.push(key);
    expect(await put(url)).toMatchObject({ status: 403, code: 'InvalidAccessKeyId' });
  });

  it('refuses a PUT without any credentials with 403 AccessDenied', async () => {
    const key = `${prefix}anonymous.jpg`;
    refusedKeys.push(key);
    expect(await put(`${store.endpoint}/${store.bucket}/${key}`)).toMatchObject({ status: 403, code: 'AccessDenied' });
  });

  it('refuses an SDK PutObject signed with another secret with 403 SignatureDoesNotMatch', async () => {
    const key = `${prefix}header-other-secret.jpg`;
    const foreign = s3Client({ accessKeyId: store.accessKeyId, secretAccessKey: `${store.secretAccessKey}-not` });
    refusedKeys.push(key);
    const err = await foreign.send(new PutObjectCommand({ Bucket: store.bucket, Key: key, Body: image, ContentType: 'image/jpeg' })).catch((e: unknown) => e);
    foreign.destroy();
    expect(err).toBeInstanceOf(S3ServiceException);
    expect({ name: (err as S3ServiceException).name, status: (err as S3ServiceException).$metadata.httpStatusCode }).toEqual({ name: 'SignatureDoesNotMatch', status: 403 });
  });

  it('accepts an SDK PutObject signed with the right secret, body hash included', async () => {
    const key = `${prefix}header-signed.jpg`;
    await s3.send(new PutObjectCommand({ Bucket: store.bucket, Key: key, Body: image, ContentType: 'image/jpeg' }));
    expect(await exists(key)).toBe(true);
  });

  it('holds none of the refused keys afterwards', async () => {
    expect(refusedKeys.length).toBeGreaterThanOrEqual(9);
    for (const key of refusedKeys) expect({ key, exists: await exists(key) }).toEqual({ key, exists: false });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: store.bucket, Prefix: prefix }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([`${prefix}header-signed.jpg`, `${prefix}valid.jpg`]);
  });
});

describe('the app upload flow against the verifying store', () => {
  async function api<T>(path: string, body: unknown, token?: string): Promise<{ status: number; json: T }> {
    const res = await request(`${stack.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, json: (text ? JSON.parse(text) : {}) as T };
  }

  it('presigns, takes the PUT, completes and serves the image through the CDN', async () => {
    const username = `sigv4_${Date.now().toString(36)}`;
    const userId = (await api<{ id: string }>('/users', { username })).json.id;
    const token = (await api<{ token: string }>('/sessions', { username })).json.token;
    const start = await api<{ uploadId: string; objectKey: string; uploadUrl: string }>(`/users/${userId}/uploads`, { contentType: 'image/jpeg' }, token);
    expect(start.status).toBe(201);
    const url = new URL(start.json.uploadUrl);
    // The app binds the content type into the signature (system/app/plugins/object-store.ts).
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-type;host');

    // The app's URL with its signature broken is refused before the real one is used.
    const broken = new URL(url);
    broken.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    expect(await put(broken)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    // ... and so is the app's own URL with another content type than the one it was signed for.
    expect(await put(url, 'text/html')).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(await exists(start.json.objectKey)).toBe(false);

    expect((await put(url)).status).toBe(200);
    const done = await api<{ media: { id: string; url: string; objectKey: string } }>(`/users/${userId}/uploads/${start.json.uploadId}/complete`, {}, token);
    expect(done.status).toBe(201);
    expect(done.json.media.objectKey).toBe(start.json.objectKey);
    // The CDN reads the object anonymously, as from a public-read bucket.
    const viaCdn = await request(done.json.media.url);
    expect(viaCdn.statusCode).toBe(200);
    expect(Buffer.from(await viaCdn.body.arrayBuffer())).toEqual(image);
  });
});
