import { describe, expect, it } from 'vitest';
import type { EndpointResult } from '../../lib/result-schema.ts';
import { runClosedLoop } from './autocannon-driver.ts';
import { createCyclicSource } from './request-source.ts';
import { startTestServer } from './test-server.ts';

describe('runClosedLoop', () => {
  it('returns a closed-loop result with throughput and latency from the same requests', async () => {
    await using server = await startTestServer((_req, res) => setTimeout(() => res.end('ok'), 2));
    const run = await runClosedLoop({
      baseUrl: server.url,
      source: createCyclicSource([{ endpoint: 'feed.read', method: 'GET', path: '/feed' }]),
      connections: 4,
      durationS: 1,
      timeoutMs: 2000,
    });
    expect(run.loadModel).toBe('closed');
    expect(run.driver).toBe('autocannon');
    const [feed] = run.endpoints as [EndpointResult];
    expect(run.endpoints).toHaveLength(1);
    expect(feed.throughputRps).toBeGreaterThan(0);
    expect(feed.ok).toBeGreaterThan(100);
    expect(feed.errors).toEqual({});
    expect(feed.fromIntended.percentiles).toEqual(feed.fromSend.percentiles);
    expect(feed.fromSend.percentiles.p50Ms).toBeGreaterThan(1.5);
    // Requests still in flight when autocannon stops are neither answered nor failed.
    expect(feed.sent - feed.ok).toBeLessThanOrEqual(4);
  }, 10_000);

  it('sends what the source asks for and books each response to its endpoint', async () => {
    const seen: string[] = [];
    await using server = await startTestServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers['x-user'] ?? ''}`);
      res.statusCode = req.url === '/like' ? 503 : 200;
      res.end();
    });
    const run = await runClosedLoop({
      baseUrl: server.url,
      source: createCyclicSource([
        { endpoint: 'feed.read', method: 'GET', path: '/feed', headers: { 'x-user': '7' } },
        { endpoint: 'media.like', method: 'POST', path: '/like', body: '{"mediaId":"1"}', headers: { 'content-type': 'application/json' } },
      ]),
      connections: 3,
      durationS: 1,
      timeoutMs: 2000,
    });
    expect(seen).toContain('GET /feed 7');
    expect(seen).toContain('POST /like ');
    const [feed, like] = run.endpoints as [EndpointResult, EndpointResult];
    expect(feed.endpoint).toBe('feed.read');
    expect(feed.ok).toBeGreaterThan(50);
    expect(feed.errors).toEqual({});
    expect(like.ok).toBe(0);
    expect(like.errors.status_503).toBeGreaterThan(50);
  }, 10_000);

  it('counts a server that never answers as timeouts on the right endpoint', async () => {
    await using server = await startTestServer((req, res) => {
      if (req.url !== '/hang') res.end();
    });
    const run = await runClosedLoop({
      baseUrl: server.url,
      source: createCyclicSource([
        { endpoint: 'feed.read', method: 'GET', path: '/feed' },
        { endpoint: 'feed.hang', method: 'GET', path: '/hang' },
      ]),
      connections: 2,
      durationS: 2.5,
      timeoutMs: 1000,
    });
    const hang = run.endpoints.find((e) => e.endpoint === 'feed.hang');
    const feed = run.endpoints.find((e) => e.endpoint === 'feed.read');
    expect(hang?.errors.timeout).toBeGreaterThanOrEqual(2);
    expect(hang?.ok).toBe(0);
    expect(hang?.fromSend.percentiles.minMs).toBeGreaterThanOrEqual(999);
    expect(feed?.errors).toEqual({});
  }, 10_000);

  it('refuses a non-loopback baseUrl', async () => {
    await expect(
      runClosedLoop({
        baseUrl: 'http://10.0.0.1',
        source: createCyclicSource([{ endpoint: 'x', method: 'GET', path: '/' }]),
        connections: 1,
        durationS: 1,
        timeoutMs: 100,
      }),
    ).rejects.toMatchObject({ code: 'CFG_ERR_INVALID' });
  });
});
