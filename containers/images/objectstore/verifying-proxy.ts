import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { type S3ErrorReply, renderS3ErrorXml, s3Error } from './s3-error-reply.ts';
import { type SigV4Verifier, checkPayload } from './sigv4-verifier.ts';

export interface VerifyingProxyOptions {
  verifier: SigV4Verifier;
  /** Where s3rver listens, on loopback only. */
  upstream: { host: string; port: number };
  /**
   * Bodies with a signed sha256 are held in memory until their hash is checked, so a mismatch
   * never reaches the store; larger ones are refused with EntityTooLarge.
   */
  maxSignedPayloadBytes: number;
  now?: () => number;
}

// Hop-by-hop headers belong to one connection, not to the request being forwarded.
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'expect'];

function withoutHopByHop(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = { ...headers };
  for (const name of HOP_BY_HOP) delete out[name];
  return out;
}

function replyError(req: http.IncomingMessage, res: http.ServerResponse, error: S3ErrorReply, requestId: string): void {
  const resource = (req.url ?? '/').split('?', 1)[0]!;
  const body = req.method === 'HEAD' ? '' : renderS3ErrorXml(error, { resource, requestId });
  res.writeHead(error.statusCode, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), 'x-amz-request-id': requestId });
  // Node discards the unread part of a refused upload, so the connection stays usable.
  res.end(body);
}

/** Reads the whole body, or undefined once it grows past `limitBytes`. */
async function readBody(req: http.IncomingMessage, limitBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let sizeBytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    sizeBytes += chunk.length;
    if (sizeBytes > limitBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, sizeBytes);
}

/**
 * The local object store's front door: every request is checked by the SigV4 verifier and only
 * then forwarded to s3rver, so a refused request never writes an object. Refusals carry S3's
 * error XML and status. s3rver gets the request without its credentials (the query-string auth
 * parameters and the Authorization header are removed): it stores, it no longer judges.
 */
export function createVerifyingProxy(options: VerifyingProxyOptions): http.Server {
  const now = options.now ?? Date.now;
  const agent = new http.Agent({ keepAlive: true });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, requestId: string): Promise<void> {
    const verdict = await options.verifier.verify({ method: req.method ?? 'GET', target: req.url ?? '/', headers: req.headers }, now());
    if (!verdict.ok) return replyError(req, res, verdict.error, requestId);

    let body: Buffer | undefined;
    if (verdict.payload.kind === 'sha256') {
      const declaredBytes = Number(req.headers['content-length']);
      body = declaredBytes > options.maxSignedPayloadBytes ? undefined : await readBody(req, options.maxSignedPayloadBytes);
      if (body === undefined) {
        const limit = String(options.maxSignedPayloadBytes);
        return replyError(req, res, s3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', { MaxSizeAllowed: limit }), requestId);
      }
      const mismatch = checkPayload(body, verdict.payload);
      if (mismatch) return replyError(req, res, mismatch, requestId);
    }

    const headers = withoutHopByHop(req.headers);
    delete headers.authorization;
    if (body) headers['content-length'] = String(body.length);
    const upstreamReq = http.request({ ...options.upstream, agent, method: req.method, path: verdict.upstreamTarget, headers });
    const response = new Promise<http.IncomingMessage>((resolve, reject) => {
      upstreamReq.once('response', resolve);
      upstreamReq.once('error', reject);
    });
    const sent = body ? new Promise<void>((resolve) => upstreamReq.end(body, resolve)) : pipeline(req, upstreamReq);
    // Both settle or the first failure wins; neither rejection goes unhandled.
    const [upstreamRes] = await Promise.all([response, sent]);
    res.writeHead(upstreamRes.statusCode ?? 502, { ...withoutHopByHop(upstreamRes.headers), 'x-amz-request-id': requestId });
    await pipeline(upstreamRes, res);
  }

  return http.createServer((req, res) => {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    handle(req, res, requestId).catch((err: Error) => {
      if (res.headersSent) {
        res.destroy(err);
        return;
      }
      replyError(req, res, s3Error('InternalError', `We encountered an internal error. Please try again. (${err.message})`), requestId);
    });
  });
}
