// Entry point of the local object-store image: s3rver standing in for S3/MinIO where no
// registry is reachable. s3rver leaves Signature V4 unverified, so it listens on loopback only
// and a verifying proxy in this process answers the published port: presigned URLs and signed
// requests are checked as S3 checks them before anything reaches the store.
import S3rver from 's3rver';
import { OBJECT_STORE_FLAVOURS } from '../image-catalog.ts';
import { createSigV4Verifier } from './sigv4-verifier.ts';
import { createVerifyingProxy } from './verifying-proxy.ts';

const port = Number(process.env.S3RVER_PORT ?? 9000);
const directory = process.env.S3RVER_DIR ?? '/data';
const buckets = (process.env.S3RVER_BUCKETS ?? 'media').split(',').filter(Boolean);
// The container service may pass the key pair; otherwise the local catalog's pair (one source).
const credentials = {
  accessKeyId: process.env.S3RVER_ACCESS_KEY_ID ?? OBJECT_STORE_FLAVOURS.local.accessKeyId,
  secretAccessKey: process.env.S3RVER_SECRET_ACCESS_KEY ?? OBJECT_STORE_FLAVOURS.local.secretAccessKey,
};
/** Signed-payload uploads are hashed in memory before they are stored; images are far smaller. */
const MAX_SIGNED_PAYLOAD_BYTES = 64 * 1024 * 1024;

const store = new S3rver({
  port: 0,
  address: '127.0.0.1',
  directory,
  silent: true,
  vhostBuckets: false,
  configureBuckets: buckets.map((name) => ({ name, configs: [] })),
});
const internal = await store.run();

const proxy = createVerifyingProxy({
  verifier: createSigV4Verifier({ credentials, anonymousObjectReads: true }),
  upstream: { host: '127.0.0.1', port: internal.port },
  maxSignedPayloadBytes: MAX_SIGNED_PAYLOAD_BYTES,
});
await new Promise<void>((resolve, reject) => {
  proxy.once('error', reject);
  proxy.listen(port, '0.0.0.0', resolve);
});
process.stdout.write(`s3rver listening on ${port} behind SigV4 verification (access key ${credentials.accessKeyId}; buckets: ${buckets.join(', ')})\n`);

const stop = () => {
  proxy.close();
  store.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
