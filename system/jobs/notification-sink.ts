import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createLatencyHistogram, recordUs } from '../../lib/histogram.ts';

/**
 * The push service the workers deliver like notifications to, standing in for APNs (pyapns in
 * 2011, docs/facts.md). It records every delivery with the time it arrived, so a run can
 * measure the time from like to push: `likedAtMs` is stamped by the app when the like commits,
 * `receivedAtMs` here; both read the same host clock (containers share the kernel's).
 *
 * POST /push {pushId?, toUserId, likerId, mediaId, likedAtMs} -> 202 (a pushId seen before: 202 {duplicate: true}, not counted)
 * GET /deliveries?since=<ms>&toUserId=<id> -> {deliveries: [...]} (received at or after `since`)
 * GET /stats -> {count, likeToPushMs: {p50, p99, max}}
 * GET /health -> {status: 'ok'}
 */
export interface Delivery {
  toUserId: string;
  likerId: string;
  mediaId: string;
  likedAtMs: number;
  receivedAtMs: number;
}

export interface SinkStats {
  count: number;
  likeToPushMs: { p50: number; p99: number; max: number };
}

export interface NotificationSink {
  readonly server: Server;
  listen(port: number, host?: string): Promise<number>;
  deliveries(): readonly Delivery[];
  stats(): SinkStats;
  close(): Promise<void>;
}

/** Deliveries kept for GET /deliveries; older ones are dropped (the count and the histogram keep them all). */
const MAX_KEPT_DELIVERIES = 1_000_000;
/**
 * Push IDs remembered for dedupe, oldest forgotten first: a retried push arrives within the
 * worker's retries (seconds), long before a million newer ones.
 */
const MAX_REMEMBERED_PUSH_IDS = 1_000_000;
const PUSH_ID = /^[A-Za-z0-9:._-]{1,128}$/;
const MAX_BODY_BYTES = 16 * 1024;
const ID = /^[1-9][0-9]{0,18}$/;

/** Checks a push body; returns the problem, or null when it is a valid push. */
export function pushBodyProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'body must be a JSON object';
  const body = value as Record<string, unknown>;
  const allowed = new Set(['pushId', 'toUserId', 'likerId', 'mediaId', 'likedAtMs']);
  for (const key of Object.keys(body)) if (!allowed.has(key)) return `unknown field ${key.slice(0, 40)}`;
  if (body.pushId !== undefined && (typeof body.pushId !== 'string' || !PUSH_ID.test(body.pushId))) return 'pushId must be 1-128 letters, digits or :._-';
  for (const key of ['toUserId', 'likerId', 'mediaId']) {
    if (typeof body[key] !== 'string' || !ID.test(body[key] as string)) return `${key} must be an ID string`;
  }
  if (typeof body.likedAtMs !== 'number' || !Number.isSafeInteger(body.likedAtMs) || body.likedAtMs < 0) return 'likedAtMs must be a non-negative integer';
  return null;
}

export function createNotificationSink(clock: () => number = Date.now): NotificationSink {
  const kept: Delivery[] = [];
  /** Push IDs delivered, in arrival order (a Map keeps insertion order, so the oldest goes first). */
  const seen = new Map<string, true>();
  let count = 0;
  const likeToPush = createLatencyHistogram();

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const fail = (res: ServerResponse, status: number, code: string, message: string): void => send(res, status, { code, message });

  const readBody = (req: IncomingMessage): Promise<string | null> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      // An oversized body is drained, not kept, so the client still reads its 413.
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      });
      req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const stats = (): SinkStats => {
    const at = (p: number): number => (likeToPush.totalCount === 0 ? 0 : likeToPush.getValueAtPercentile(p) / 1000);
    return { count, likeToPushMs: { p50: at(50), p99: at(99), max: likeToPush.totalCount === 0 ? 0 : likeToPush.maxValue / 1000 } };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://sink');
    if (req.method === 'POST' && url.pathname === '/push') {
      const receivedAtMs = clock();
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return fail(res, 415, 'UNSUPPORTED_MEDIA_TYPE', 'send application/json');
      const text = await readBody(req);
      if (text === null) return fail(res, 413, 'BODY_TOO_LARGE', `the body exceeds ${MAX_BODY_BYTES} bytes`);
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return fail(res, 400, 'BAD_REQUEST', 'the body is not JSON');
      }
      const problem = pushBodyProblem(value);
      if (problem) return fail(res, 400, 'VALIDATION_FAILED', problem);
      const push = value as Omit<Delivery, 'receivedAtMs'> & { pushId?: string };
      // A push sent again by a retried job (its first answer was lost) is acknowledged, not counted twice.
      if (push.pushId !== undefined) {
        if (seen.has(push.pushId)) return send(res, 202, { received: true, duplicate: true });
        seen.set(push.pushId, true);
        if (seen.size > MAX_REMEMBERED_PUSH_IDS) seen.delete(seen.keys().next().value as string);
      }
      const delivery: Delivery = { toUserId: push.toUserId, likerId: push.likerId, mediaId: push.mediaId, likedAtMs: push.likedAtMs, receivedAtMs };
      count++;
      recordUs(likeToPush, Math.max(0, receivedAtMs - delivery.likedAtMs) * 1000);
      kept.push(delivery);
      if (kept.length > MAX_KEPT_DELIVERIES) kept.splice(0, kept.length - MAX_KEPT_DELIVERIES);
      return send(res, 202, { received: true });
    }
    if (req.method === 'GET' && url.pathname === '/deliveries') {
      const sinceText = url.searchParams.get('since') ?? '0';
      const toUserId = url.searchParams.get('toUserId');
      if (!/^[0-9]{1,16}$/.test(sinceText)) return fail(res, 400, 'VALIDATION_FAILED', 'since must be milliseconds since the epoch');
      if (toUserId !== null && !ID.test(toUserId)) return fail(res, 400, 'VALIDATION_FAILED', 'toUserId must be an ID string');
      const since = Number(sinceText);
      return send(res, 200, { deliveries: kept.filter((d) => d.receivedAtMs >= since && (toUserId === null || d.toUserId === toUserId)) });
    }
    if (req.method === 'GET' && url.pathname === '/stats') return send(res, 200, stats());
    if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, { status: 'ok' });
    return fail(res, 404, 'ROUTE_NOT_FOUND', `no route for ${req.method} ${url.pathname}`);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) fail(res, 400, 'BAD_REQUEST', 'the request could not be read');
      else res.destroy();
    });
  });
  return {
    server,
    listen: (port, host = '0.0.0.0') =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      }),
    deliveries: () => kept,
    stats,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** Entry point (bundled like the app): FEEDSCALE_SINK_PORT (default 8090); exits on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const portText = process.env.FEEDSCALE_SINK_PORT ?? '8090';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`FEEDSCALE_SINK_PORT must be a port number (got ${portText})\n`);
    process.exit(2);
  }
  const sink = createNotificationSink();
  const bound = await sink.listen(port);
  process.stdout.write(`${JSON.stringify({ msg: 'notification sink listening', port: bound })}\n`);
  const stop = (): void => {
    sink.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) void main();
