import type { IncomingHttpHeaders } from 'node:http';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { registerFormats } from '../../lib/formats.ts';
import { RunResultSchema, type EndpointResult } from '../../lib/result-schema.ts';
import type { EngineRun } from './run-result.ts';
import { runOpenLoop } from './open-loop-engine.ts';
import { createCyclicSource, type RequestSpec } from './request-source.ts';
import { toRunResult } from './run-result.ts';
import { startTestServer, type StartedTestServer } from './test-server.ts';
import { UPLOAD_PAYLOAD_BYTES } from './upload-flow.ts';

const USER_ID = '1000042';
const AUTH = `Bearer user-${USER_ID}`;
const uploadStart: RequestSpec = {
  endpoint: 'upload.start',
  method: 'POST',
  path: `/users/${USER_ID}/uploads`,
  body: JSON.stringify({ contentType: 'image/jpeg' }),
  headers: { 'content-type': 'application/json', authorization: AUTH },
  followUp: 'upload.complete',
};
const feedRead: RequestSpec = { endpoint: 'feed.read', method: 'GET', path: `/users/${USER_ID}/feed` };

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Two real servers, as in the stack: the app (start and complete) and the object store (the
 * presigned PUT). The app issues uploadUrl on the store's loopback port, or `uploadUrlOf` says
 * otherwise; `putStatus` and `putDelayMs` shape the store's answer.
 */
async function startUploadServers(options: { putStatus?: number; putDelayMs?: number; uploadUrlOf?: (storeUrl: string, uploadId: string) => string } = {}) {
  const puts: Received[] = [];
  const completes: Received[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const enter = () => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
  };
  const store: StartedTestServer = await startTestServer(
    (req, res, body) => {
      enter();
      puts.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      setTimeout(() => {
        inFlight--;
        res.statusCode = options.putStatus ?? 200;
        res.end();
      }, options.putDelayMs ?? 0);
    },
    { collectBody: true },
  );
  let uploads = 0;
  const app: StartedTestServer = await startTestServer(
    (req, res, body) => {
      enter();
      const answer = (status: number, json: unknown) => {
        inFlight--;
        res.statusCode = status;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(json));
      };
      if (req.method === 'POST' && req.url === `/users/${USER_ID}/uploads`) {
        const uploadId = `00000000-0000-4000-8000-${String(++uploads).padStart(12, '0')}`;
        const objectKey = `u/${USER_ID}/${uploadId}.jpg`;
        const uploadUrl = options.uploadUrlOf?.(store.url, uploadId) ?? `${store.url}/media/${objectKey}?X-Amz-Signature=abc`;
        answer(201, { uploadId, objectKey, uploadUrl, expiresInS: 900 });
      } else if (req.method === 'POST' && /^\/users\/\d+\/uploads\/[^/]+\/complete$/.test(req.url ?? '')) {
        completes.push({ method: req.method, url: req.url ?? '', headers: req.headers, body });
        answer(201, { media: {} });
      } else answer(200, { items: [] });
    },
    { collectBody: true },
  );
  return {
    app,
    store,
    puts,
    completes,
    get maxInFlight() {
      return maxInFlight;
    },
    async [Symbol.asyncDispose]() {
      await app.close();
      await store.close();
    },
  };
}

function row(run: EngineRun, endpoint: string): EndpointResult {
  const found = run.endpoints.find((e) => e.endpoint === endpoint);
  if (!found) throw new Error(`no ${endpoint} row in ${run.endpoints.map((e) => e.endpoint).join(', ')}`);
  return found;
}

describe('runOpenLoop upload flow', () => {
  it('PUTs a small JPEG to the presigned URL, then completes with the start request headers', async () => {
    await using servers = await startUploadServers();
    const run = await runOpenLoop({
      baseUrl: servers.app.url,
      source: createCyclicSource([feedRead, uploadStart]),
      arrival: { kind: 'constant', rateRps: 40 },
      durationS: 1,
      warmupS: 0,
      maxInFlight: 50,
      timeoutMs: 2000,
    });

    expect(servers.puts).toHaveLength(20);
    for (const put of servers.puts) {
      expect(put.method).toBe('PUT');
      expect(put.url).toMatch(/^\/media\/u\/1000042\/[0-9a-f-]{36}\.jpg\?X-Amz-Signature=abc$/);
      expect(put.headers['content-type']).toBe('image/jpeg');
      // The presigned URL is the credential: the user's token never goes to the object store.
      expect(put.headers.authorization).toBeUndefined();
      expect(put.body.length).toBe(UPLOAD_PAYLOAD_BYTES);
      expect([...put.body.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    }
    expect(new Set(servers.puts.map((p) => p.body.toString('latin1'))).size).toBe(20);

    expect(servers.completes).toHaveLength(20);
    const uploadIds = servers.puts.map((p) => /\/([0-9a-f-]{36})\.jpg/.exec(p.url)?.[1]);
    for (const complete of servers.completes) {
      expect(complete.headers.authorization).toBe(AUTH);
      expect(complete.headers['content-type']).toBe('application/json');
      expect(JSON.parse(complete.body.toString('utf8'))).toEqual({ caption: expect.stringMatching(/^feedscale upload \d+$/) });
      expect(uploadIds).toContain(/^\/users\/1000042\/uploads\/([^/]+)\/complete$/.exec(complete.url)?.[1]);
    }

    expect(run.endpoints.map((e) => e.endpoint)).toEqual(['feed.read', 'upload.complete', 'upload.flow', 'upload.put', 'upload.start']);
    expect(row(run, 'upload.start')).toMatchObject({ intended: 20, sent: 20, ok: 20, errors: {} });
    expect(row(run, 'upload.put')).toMatchObject({ intended: 20, sent: 20, ok: 20, errors: {}, unserved: 0 });
    expect(row(run, 'upload.complete')).toMatchObject({ intended: 20, sent: 20, ok: 20, errors: {} });
    const flow = row(run, 'upload.flow');
    expect(flow).toMatchObject({ intended: 20, sent: 20, ok: 20, errors: {} });
    expect(flow.fromIntended.percentiles.count).toBe(20);
    // The flow spans its three requests, so it is never faster than its start alone.
    expect(flow.fromIntended.percentiles.minMs).toBeGreaterThanOrEqual(row(run, 'upload.start').fromIntended.percentiles.minMs);
    expect(flow.fromIntended.percentiles.maxMs).toBeGreaterThanOrEqual(row(run, 'upload.complete').fromSend.percentiles.maxMs);
    // Follow-ups are not part of the schedule: the run's rates count the 40 scheduled requests only.
    expect(run.generator.intendedRateRps).toBe(40);
    expect(run.generator.achievedRateRps).toBe(40);
    registerFormats();
    expect(Value.Check(RunResultSchema, toRunResult(run, { configuration: 't', plan: 'p', repeat: 0, seed: 1, startedAt: new Date(0).toISOString() }))).toBe(true);
  }, 15_000);

  it('counts a start whose uploadUrl is not on this machine as bad_upload_response and sends nothing to it', async () => {
    // 0.0.0.0 is refused by the loopback rule (lib/loopback.ts) yet would stay on this host if a bug sent to it.
    await using servers = await startUploadServers({ uploadUrlOf: (_store, id) => `http://0.0.0.0:${new URL(_store).port}/media/${id}.jpg` });
    const run = await runOpenLoop({
      baseUrl: servers.app.url,
      source: createCyclicSource([uploadStart]),
      arrival: { kind: 'constant', rateRps: 20 },
      durationS: 0.5,
      warmupS: 0,
      maxInFlight: 10,
      timeoutMs: 2000,
    });
    expect(servers.store.received).toBe(0);
    expect(servers.completes).toHaveLength(0);
    expect(row(run, 'upload.start')).toMatchObject({ sent: 10, ok: 0, errors: { bad_upload_response: 10 } });
    expect(row(run, 'upload.flow')).toMatchObject({ sent: 10, ok: 0, errors: { 'upload.start:bad_upload_response': 10 } });
    expect(run.endpoints.map((e) => e.endpoint)).not.toContain('upload.put');
  }, 15_000);

  it('stops a flow whose PUT fails and books it to upload.flow as "upload.put:status_403"', async () => {
    await using servers = await startUploadServers({ putStatus: 403 });
    const run = await runOpenLoop({
      baseUrl: servers.app.url,
      source: createCyclicSource([uploadStart]),
      arrival: { kind: 'constant', rateRps: 20 },
      durationS: 0.5,
      warmupS: 0,
      maxInFlight: 10,
      timeoutMs: 2000,
    });
    expect(servers.puts).toHaveLength(10);
    expect(servers.completes).toHaveLength(0);
    expect(row(run, 'upload.put')).toMatchObject({ sent: 10, ok: 0, errors: { status_403: 10 } });
    expect(row(run, 'upload.flow')).toMatchObject({ sent: 10, ok: 0, errors: { 'upload.put:status_403': 10 } });
    expect(row(run, 'upload.flow').fromIntended.percentiles.count).toBe(10);
    expect(run.endpoints.map((e) => e.endpoint)).not.toContain('upload.complete');
  }, 15_000);

  it('keeps a flow in its in-flight slot until the complete call ends, so maxInFlight bounds flows', async () => {
    await using servers = await startUploadServers({ putDelayMs: 300 });
    const run = await runOpenLoop({
      baseUrl: servers.app.url,
      source: createCyclicSource([uploadStart]),
      arrival: { kind: 'constant', rateRps: 50 },
      durationS: 1,
      warmupS: 0,
      maxInFlight: 4,
      timeoutMs: 2000,
    });
    // Never more than 4 requests at the servers at once, over both of them.
    expect(servers.maxInFlight).toBeLessThanOrEqual(4);
    const start = row(run, 'upload.start');
    expect(start.intended).toBe(50);
    expect(start.unserved).toBeGreaterThan(30);
    expect(start.sent + start.unserved).toBe(50);
    expect(row(run, 'upload.flow')).toMatchObject({ intended: 50, unserved: start.unserved, ok: start.sent });
    expect(row(run, 'upload.put').unserved).toBe(0);
    // Unserved starts are the schedule's business; follow-ups never are.
    expect(run.generator.reasons.join(' ')).not.toMatch(/achieved/);
  }, 15_000);

  it('does not record the follow-ups of flows started in the warm-up', async () => {
    await using servers = await startUploadServers();
    const run = await runOpenLoop({
      baseUrl: servers.app.url,
      source: createCyclicSource([uploadStart]),
      arrival: { kind: 'constant', rateRps: 20 },
      durationS: 0.5,
      warmupS: 0.5,
      maxInFlight: 10,
      timeoutMs: 2000,
    });
    expect(servers.puts).toHaveLength(20);
    expect(row(run, 'upload.put').sent).toBe(10);
    expect(row(run, 'upload.flow').ok).toBe(10);
  }, 15_000);
});
