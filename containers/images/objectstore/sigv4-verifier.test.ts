import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { renderS3ErrorXml, s3Error } from './s3-error-reply.ts';
import { type ReceivedRequest, type SigV4Verdict, checkPayload, createSigV4Verifier } from './sigv4-verifier.ts';

// Requests signed by the real AWS SDK, checked by the verifier as the store would receive them.
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const ENDPOINT = 'http://127.0.0.1:9000';
const SIGNED_AT = new Date('2026-03-01T12:00:00Z');
const verifier = createSigV4Verifier({ credentials: CREDENTIALS, anonymousObjectReads: true });

/** The SDK's signer with a transport that records the signed request instead of sending it. */
function recordingClient(credentials = CREDENTIALS): { client: S3Client; sent: HttpRequest[] } {
  const sent: HttpRequest[] = [];
  const client = new S3Client({
    endpoint: ENDPOINT,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
    maxAttempts: 1,
    // As the app's presigning client (system/app/plugins/object-store.ts): no CRC32 of an empty body in URLs.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    requestHandler: {
      handle: async (request: HttpRequest) => {
        sent.push(request);
        const body = request.method === 'GET' ? '<ListBucketResult><Name>media</Name><IsTruncated>false</IsTruncated></ListBucketResult>' : '';
        return { response: { statusCode: 200, headers: {}, body: Readable.from([Buffer.from(body)]) } };
      },
    },
  });
  return { client, sent };
}

function received(request: HttpRequest): ReceivedRequest & { headers: Record<string, string> } {
  const query = new URLSearchParams(request.query as Record<string, string>).toString().replace(/\+/g, '%20');
  return { method: request.method, target: `${request.path}${query ? `?${query}` : ''}`, headers: lowerCased(request.headers) };
}

function lowerCased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

async function presignPut(key: string, options: { contentType?: string; signContentType?: boolean; expiresInS?: number; credentials?: typeof CREDENTIALS } = {}): Promise<URL> {
  const { client } = recordingClient(options.credentials);
  const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: 'media', Key: key, ContentType: options.contentType ?? 'image/jpeg' }), {
    expiresIn: options.expiresInS ?? 600,
    signingDate: SIGNED_AT,
    ...(options.signContentType ? { signableHeaders: new Set(['content-type']) } : {}),
  });
  return new URL(url);
}

function putTo(url: URL, headers: Record<string, string> = { 'content-type': 'image/jpeg' }): ReceivedRequest {
  return { method: 'PUT', target: `${url.pathname}${url.search}`, headers: { host: url.host, 'content-length': '3', ...headers } };
}

const AT_SIGNING_MS = SIGNED_AT.getTime() + 1000;

function expectRefused(verdict: SigV4Verdict, code: string, statusCode: number): string {
  if (verdict.ok) throw new Error(`expected ${code}, the request was accepted`);
  expect({ code: verdict.error.code, statusCode: verdict.error.statusCode }).toEqual({ code, statusCode });
  return verdict.error.message;
}

describe('presigned URLs (query-string auth)', () => {
  it('accepts a URL the SDK presigned for a PUT and forwards it without the auth parameters', async () => {
    const url = await presignPut('u/1/a.jpg');
    const verdict = await verifier.verify(putTo(url), AT_SIGNING_MS);
    expect(verdict).toEqual({ ok: true, auth: 'presigned', payload: { kind: 'unsigned' }, upstreamTarget: '/media/u/1/a.jpg?X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&x-id=PutObject' });
  });

  it('accepts keys with characters the SDK percent-encodes', async () => {
    const url = await presignPut('u/1/a b+c(1)!.jpg');
    expect((await verifier.verify(putTo(url), AT_SIGNING_MS)).ok).toBe(true);
  });

  it('refuses a URL whose signature was changed', async () => {
    const url = await presignPut('u/1/a.jpg');
    const signature = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set('X-Amz-Signature', `${signature[0] === 'a' ? 'b' : 'a'}${signature.slice(1)}`);
    expectRefused(await verifier.verify(putTo(url), AT_SIGNING_MS), 'SignatureDoesNotMatch', 403);
  });

  it('refuses a URL whose object key was changed', async () => {
    const url = await presignPut('u/1/a.jpg');
    url.pathname = '/media/u/2/a.jpg';
    expectRefused(await verifier.verify(putTo(url), AT_SIGNING_MS), 'SignatureDoesNotMatch', 403);
  });

  it('refuses a URL whose expiry was lengthened', async () => {
    const url = await presignPut('u/1/a.jpg', { expiresInS: 60 });
    url.searchParams.set('X-Amz-Expires', '3600');
    expectRefused(await verifier.verify(putTo(url), AT_SIGNING_MS), 'SignatureDoesNotMatch', 403);
  });

  it('refuses another content type when the content type was signed', async () => {
    const url = await presignPut('u/1/a.jpg', { signContentType: true });
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('content-type;host');
    expect((await verifier.verify(putTo(url, { 'content-type': 'image/jpeg' }), AT_SIGNING_MS)).ok).toBe(true);
    expectRefused(await verifier.verify(putTo(url, { 'content-type': 'image/png' }), AT_SIGNING_MS), 'SignatureDoesNotMatch', 403);
  });

  it('accepts another content type when only the host was signed, as S3 does', async () => {
    // The SDK's presigner leaves content-type unsigned unless asked (signableHeaders).
    const url = await presignPut('u/1/a.jpg');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    expect((await verifier.verify(putTo(url, { 'content-type': 'text/html' }), AT_SIGNING_MS)).ok).toBe(true);
  });

  it('refuses a URL after X-Amz-Date + X-Amz-Expires, and accepts it up to that instant', async () => {
    const url = await presignPut('u/1/a.jpg', { expiresInS: 1 });
    expect((await verifier.verify(putTo(url), SIGNED_AT.getTime() + 1000)).ok).toBe(true);
    expect(expectRefused(await verifier.verify(putTo(url), SIGNED_AT.getTime() + 1001), 'AccessDenied', 403)).toBe('Request has expired');
  });

  it('refuses a URL dated more than 15 minutes in the future', async () => {
    const url = await presignPut('u/1/a.jpg');
    expect(expectRefused(await verifier.verify(putTo(url), SIGNED_AT.getTime() - 16 * 60_000), 'AccessDenied', 403)).toBe('Request is not valid yet');
  });

  it('refuses a URL signed with another secret for the same access key', async () => {
    const url = await presignPut('u/1/a.jpg', { credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'not-the-secret' } });
    expectRefused(await verifier.verify(putTo(url), AT_SIGNING_MS), 'SignatureDoesNotMatch', 403);
  });

  it('refuses a URL signed with an access key the store does not know', async () => {
    const url = await presignPut('u/1/a.jpg', { credentials: { accessKeyId: 'SOMEONE', secretAccessKey: 'S3RVER' } });
    expectRefused(await verifier.verify(putTo(url), AT_SIGNING_MS), 'InvalidAccessKeyId', 403);
  });

  it('refuses x-amz-* headers the URL did not sign', async () => {
    const url = await presignPut('u/1/a.jpg');
    const verdict = await verifier.verify(putTo(url, { 'content-type': 'image/jpeg', 'x-amz-acl': 'public-read' }), AT_SIGNING_MS);
    expectRefused(verdict, 'AccessDenied', 403);
    expect(!verdict.ok && verdict.error.detail).toEqual({ HeadersNotSigned: 'x-amz-acl' });
  });

  it('refuses malformed auth parameters with 400 AuthorizationQueryParametersError', async () => {
    const cases: Array<(url: URL) => void> = [
      (url) => url.searchParams.delete('X-Amz-SignedHeaders'),
      (url) => url.searchParams.set('X-Amz-Algorithm', 'AWS4-HMAC-SHA1'),
      (url) => url.searchParams.set('X-Amz-Expires', '604801'),
      (url) => url.searchParams.set('X-Amz-Expires', '-1'),
      (url) => url.searchParams.set('X-Amz-Date', '2026-03-01T12:00:00Z'),
      (url) => url.searchParams.set('X-Amz-Credential', 'S3RVER/20260302/us-east-1/s3/aws4_request'),
      (url) => url.searchParams.set('X-Amz-Credential', 'S3RVER/20260301/us-east-1/ec2/aws4_request'),
    ];
    for (const tamper of cases) {
      const url = await presignPut('u/1/a.jpg');
      tamper(url);
      expectRefused(await verifier.verify(putTo(url), AT_SIGNING_MS), 'AuthorizationQueryParametersError', 400);
    }
  });
});

describe('Authorization header (the SDK client)', () => {
  async function signed<T>(send: (client: S3Client) => Promise<T>, credentials = CREDENTIALS): Promise<HttpRequest> {
    const { client, sent } = recordingClient(credentials);
    await send(client);
    return sent[0]!;
  }

  it('accepts PutObject, HeadObject, CreateBucket and ListObjectsV2 signed with the right secret', async () => {
    const body = Buffer.from('jpeg bytes');
    const requests = [
      await signed((c) => c.send(new PutObjectCommand({ Bucket: 'media', Key: 'seed/a b.jpg', Body: body, ContentType: 'image/jpeg' }))),
      await signed((c) => c.send(new HeadObjectCommand({ Bucket: 'media', Key: 'seed/a.jpg' }))),
      await signed((c) => c.send(new CreateBucketCommand({ Bucket: 'other' }))),
      await signed((c) => c.send(new ListObjectsV2Command({ Bucket: 'media', Prefix: 'u/1/', MaxKeys: 5 }))),
    ];
    const verdicts = await Promise.all(requests.map((r) => verifier.verify(received(r), Date.now())));
    expect(verdicts.map((v) => v.ok && v.auth)).toEqual(['header', 'header', 'header', 'header']);
    // The PUT's body is held to the hash it signed.
    expect(verdicts[0]!.ok && verdicts[0]!.payload).toEqual({ kind: 'sha256', sha256Hex: createHash('sha256').update(body).digest('hex') });
  });

  it('refuses a request signed with another secret with 403 SignatureDoesNotMatch', async () => {
    const request = await signed((c) => c.send(new HeadObjectCommand({ Bucket: 'media', Key: 'a.jpg' })), { accessKeyId: 'S3RVER', secretAccessKey: 'wrong' });
    const verdict = await verifier.verify(received(request), Date.now());
    expectRefused(verdict, 'SignatureDoesNotMatch', 403);
    expect(!verdict.ok && verdict.error.detail.CanonicalRequest).toContain('HEAD\n/media/a.jpg\n');
  });

  it('refuses a signed request whose path or a signed header changed on the way', async () => {
    const request = await signed((c) => c.send(new HeadObjectCommand({ Bucket: 'media', Key: 'a.jpg' })));
    expectRefused(await verifier.verify({ ...received(request), target: '/media/b.jpg' }, Date.now()), 'SignatureDoesNotMatch', 403);
    // Another second than the one signed (a fixed "00" was no change at all one time in 60).
    const changedDate = received(request).headers['x-amz-date']!.replace(/(\d{2})Z$/, (_, s: string) => `${s === '00' ? '01' : '00'}Z`);
    const headers = { ...received(request).headers, 'x-amz-date': changedDate };
    expectRefused(await verifier.verify({ ...received(request), headers }, Date.now() + 60_000), 'SignatureDoesNotMatch', 403);
  });

  it('refuses a request dated more than 15 minutes from the store clock', async () => {
    const request = await signed((c) => c.send(new HeadObjectCommand({ Bucket: 'media', Key: 'a.jpg' })));
    expectRefused(await verifier.verify(received(request), Date.now() + 16 * 60_000), 'RequestTimeTooSkewed', 403);
  });

  it('classifies x-amz-content-sha256: required, UNSIGNED-PAYLOAD, streaming refused', async () => {
    const request = received(await signed((c) => c.send(new HeadObjectCommand({ Bucket: 'media', Key: 'a.jpg' }))));
    const { 'x-amz-content-sha256': _hash, ...withoutHash } = request.headers;
    expectRefused(await verifier.verify({ ...request, headers: withoutHash }, Date.now()), 'InvalidRequest', 400);
    expectRefused(await verifier.verify({ ...request, headers: { ...request.headers, 'x-amz-content-sha256': 'abc' } }, Date.now()), 'InvalidArgument', 400);
    const streaming = { ...request.headers, 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' };
    expectRefused(await verifier.verify({ ...request, headers: streaming }, Date.now()), 'NotImplemented', 501);
  });

  it('accepts a body sent as UNSIGNED-PAYLOAD when that is what was signed', async () => {
    const signer = new SignatureV4({ credentials: CREDENTIALS, region: 'us-east-1', service: 's3', sha256: Hash.bind(null, 'sha256'), uriEscapePath: false });
    const request = await signer.sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 9000,
      path: '/media/u/1/a.jpg',
      headers: { host: '127.0.0.1:9000', 'content-type': 'image/jpeg', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      body: Buffer.from('bytes'),
    });
    const verdict = await verifier.verify(received(request), Date.now());
    expect(verdict.ok && [verdict.auth, verdict.payload]).toEqual(['header', { kind: 'unsigned' }]);
  });

  it('refuses a malformed header, Signature V2 and two mechanisms at once', async () => {
    const request = received(await signed((c) => c.send(new HeadObjectCommand({ Bucket: 'media', Key: 'a.jpg' }))));
    const auth = (authorization: string) => ({ ...request, headers: { ...request.headers, authorization } });
    expectRefused(await verifier.verify(auth('AWS4-HMAC-SHA256 Credential=S3RVER/20260301/us-east-1/s3/aws4_request'), Date.now()), 'AuthorizationHeaderMalformed', 400);
    expectRefused(await verifier.verify(auth('AWS S3RVER:c2lnbmF0dXJl'), Date.now()), 'InvalidRequest', 400);
    expectRefused(await verifier.verify(auth('Bearer token'), Date.now()), 'InvalidArgument', 400);
    expectRefused(await verifier.verify({ ...request, target: '/media/a.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256' }, Date.now()), 'InvalidArgument', 400);
    expectRefused(await verifier.verify({ ...request, target: '/media/a.jpg?prefix=%ZZ' }, Date.now()), 'InvalidArgument', 400);
  });
});

describe('unauthenticated requests', () => {
  const anonymous = (method: string, target: string): ReceivedRequest => ({ method, target, headers: { host: '127.0.0.1:9000' } });

  it('lets object reads through (public-read bucket behind the CDN)', async () => {
    expect(await verifier.verify(anonymous('GET', '/media/u/1/a.jpg'), Date.now())).toEqual({ ok: true, auth: 'anonymous', payload: { kind: 'unsigned' }, upstreamTarget: '/media/u/1/a.jpg' });
    expect((await verifier.verify(anonymous('HEAD', '/media/u/1/a.jpg'), Date.now())).ok).toBe(true);
  });

  it('refuses writes, deletes and listings with 403 AccessDenied', async () => {
    for (const [method, target] of [['PUT', '/media/u/1/a.jpg'], ['DELETE', '/media/u/1/a.jpg'], ['GET', '/media'], ['GET', '/media/'], ['GET', '/'], ['PUT', '/newbucket']]) {
      expectRefused(await verifier.verify(anonymous(method!, target!), Date.now()), 'AccessDenied', 403);
    }
  });

  it('refuses object reads too when anonymous reads are off', async () => {
    const strict = createSigV4Verifier({ credentials: CREDENTIALS, anonymousObjectReads: false });
    expectRefused(await strict.verify(anonymous('GET', '/media/u/1/a.jpg'), Date.now()), 'AccessDenied', 403);
  });
});

describe('payload and error body', () => {
  it('holds a body to the sha256 it was signed with', () => {
    const body = Buffer.from('bytes');
    const sha256Hex = createHash('sha256').update(body).digest('hex');
    expect(checkPayload(body, { kind: 'sha256', sha256Hex })).toBeUndefined();
    expect(checkPayload(Buffer.from('other'), { kind: 'sha256', sha256Hex })?.code).toBe('XAmzContentSHA256Mismatch');
    expect(checkPayload(Buffer.from('anything'), { kind: 'unsigned' })).toBeUndefined();
  });

  it('renders S3 error XML with the detail elements, escaped', () => {
    const xml = renderS3ErrorXml(s3Error('AccessDenied', 'Request has expired', { Expires: '<soon & now>' }), { resource: '/media/a.jpg', requestId: 'ABC' });
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message><Expires>&lt;soon &amp; now&gt;</Expires><Resource>/media/a.jpg</Resource><RequestId>ABC</RequestId></Error>',
    );
  });
});
