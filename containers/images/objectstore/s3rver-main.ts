// Entry point of the local object-store image: s3rver standing in for S3/MinIO where no
// registry is reachable. It speaks the S3 API but does not verify presigned-URL signatures.
import S3rver from 's3rver';

const port = Number(process.env.S3RVER_PORT ?? 9000);
const directory = process.env.S3RVER_DIR ?? '/data';
const buckets = (process.env.S3RVER_BUCKETS ?? 'media').split(',').filter(Boolean);

const server = new S3rver({
  port,
  address: '0.0.0.0',
  directory,
  silent: true,
  vhostBuckets: false,
  configureBuckets: buckets.map((name) => ({ name, configs: [] })),
});

await server.run();
process.stdout.write(`s3rver listening on ${port} (buckets: ${buckets.join(', ')})\n`);
const stop = () => {
  server.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
