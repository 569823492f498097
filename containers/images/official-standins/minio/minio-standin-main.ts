// Entry point of the minio/minio stand-in (Dockerfile beside this file): MinIO's contract as
// the stack relies on it, served by s3rver behind feedscale's SigV4 verifier. MinIO itself
// cannot be installed here; this keeps what a client of MinIO sees: the root credentials from
// MINIO_ROOT_USER / MINIO_ROOT_PASSWORD (or the files their *_FILE variables name, under
// /run/secrets unless absolute), no bucket at start, every request signed with them except
// anonymous GET/HEAD of objects in a bucket whose policy lets "*" s3:GetObject, the bucket
// policy API, and the health endpoints.
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { isAbsolute, join } from 'node:path';
import S3rver from 's3rver';
import { renderS3ErrorXml } from '../../objectstore/s3-error-reply.ts';
import { type ReceivedRequest, type SigV4Verifier, createSigV4Verifier } from '../../objectstore/sigv4-verifier.ts';
import { createVerifyingProxy } from '../../objectstore/verifying-proxy.ts';

const MINIO_DEFAULT_CREDENTIAL = 'minioadmin';

function setting(name: string, fallback: string): string {
  const value = process.env[name];
  if (value) return value;
  const file = process.env[`${name}_FILE`];
  if (file) {
    const path = isAbsolute(file) ? file : join('/run/secrets', file);
    if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  }
  return fallback;
}

/** `server DIR [--address [HOST]:PORT]`, as `minio server` takes them. */
function parseArgs(args: readonly string[]): { directory: string; port: number } {
  const rest = args[0] === 'server' ? args.slice(1) : [...args];
  let directory = '/data';
  let port = 9000;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--address') port = Number(rest[++i]!.split(':').pop());
    else if (arg.startsWith('--address=')) port = Number(arg.split(':').pop());
    else if (!arg.startsWith('-')) directory = arg;
  }
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`invalid --address port in ${args.join(' ')}`);
  return { directory, port };
}

const { directory, port } = parseArgs(process.argv.slice(2));
const credentials = { accessKeyId: setting('MINIO_ROOT_USER', MINIO_DEFAULT_CREDENTIAL), secretAccessKey: setting('MINIO_ROOT_PASSWORD', MINIO_DEFAULT_CREDENTIAL) };

/** Buckets whose policy lets anyone read objects (MinIO's "download" anonymous access). */
const policies = new Map<string, string>();
function publicRead(policy: string, bucket: string): boolean {
  try {
    const statements = (JSON.parse(policy) as { Statement?: Array<Record<string, unknown>> }).Statement ?? [];
    return statements.some((s) => {
      const principal = s.Principal as string | { AWS?: string | string[] } | undefined;
      const anyone = principal === '*' || (typeof principal === 'object' && [principal.AWS].flat().includes('*'));
      const actions = [s.Action].flat() as string[];
      const resources = [s.Resource].flat() as string[];
      return s.Effect === 'Allow' && anyone && actions.some((a) => a === 's3:GetObject' || a === 's3:*') && resources.some((r) => r === `arn:aws:s3:::${bucket}/*` || r === '*');
    });
  } catch {
    return false;
  }
}

const strict = createSigV4Verifier({ credentials, anonymousObjectReads: false });
const lenient = createSigV4Verifier({ credentials, anonymousObjectReads: true });
const bucketOf = (target: string) => decodeURIComponent(target.split('?', 1)[0]!.split('/')[1] ?? '');
/** Anonymous object reads pass only for buckets with a public-read policy, as on MinIO. */
const verifier: SigV4Verifier = {
  async verify(request: ReceivedRequest, nowMs: number) {
    const verdict = await strict.verify(request, nowMs);
    if (verdict.ok) return verdict;
    const policy = policies.get(bucketOf(request.target));
    return policy !== undefined && publicRead(policy, bucketOf(request.target)) ? lenient.verify(request, nowMs) : verdict;
  },
};

const store = new S3rver({ port: 0, address: '127.0.0.1', directory, silent: true, vhostBuckets: false });
const internal = await store.run();
const proxy = createVerifyingProxy({ verifier, upstream: { host: '127.0.0.1', port: internal.port }, maxSignedPayloadBytes: 64 * 1024 * 1024 });
const proxyPort = await new Promise<number>((resolve, reject) => {
  proxy.once('error', reject);
  proxy.listen(0, '127.0.0.1', () => resolve((proxy.address() as { port: number }).port));
});

function reply(res: http.ServerResponse, status: number, body = '', type = 'application/xml'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The bucket policy API (s3rver has none): signed requests only, kept in memory for the container's life. */
async function handlePolicy(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const target = req.url ?? '/';
  const verdict = await strict.verify({ method: req.method ?? 'GET', target, headers: req.headers }, Date.now());
  if (!verdict.ok) return reply(res, verdict.error.statusCode, renderS3ErrorXml(verdict.error, { resource: target.split('?', 1)[0]!, requestId: 'standin' }));
  const bucket = bucketOf(target);
  if (req.method === 'PUT') {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    policies.set(bucket, Buffer.concat(chunks).toString('utf8'));
    return reply(res, 204);
  }
  if (req.method === 'DELETE') {
    policies.delete(bucket);
    return reply(res, 204);
  }
  const policy = policies.get(bucket);
  if (policy === undefined) {
    return reply(res, 404, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchBucketPolicy</Code><Message>The bucket policy does not exist</Message><BucketName>${bucket}</BucketName></Error>`);
  }
  return reply(res, 200, policy, 'application/json');
}

const front = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?', 1)[0]!;
  if (path === '/minio/health/live' || path === '/minio/health/ready') return reply(res, 200, '', 'text/plain');
  if (/[?&]policy(=|&|$)/.test(req.url ?? '')) {
    handlePolicy(req, res).catch((err: Error) => reply(res, 500, err.message, 'text/plain'));
    return;
  }
  const upstream = http.request({ host: '127.0.0.1', port: proxyPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', (err) => (res.headersSent ? res.destroy(err) : reply(res, 502, err.message, 'text/plain')));
  req.pipe(upstream);
});
await new Promise<void>((resolve, reject) => {
  front.once('error', reject);
  front.listen(port, '0.0.0.0', resolve);
});
process.stdout.write(`minio stand-in (s3rver behind SigV4 verification) serving ${directory} on :${port}; root user ${credentials.accessKeyId}\n`);

const stop = () => {
  front.close();
  proxy.close();
  store.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
