import { describe, expect, it } from 'vitest';
import { makeServerMetrics } from '../reports/testing/server-fixtures.ts';
import { costsOf, integrateOverWindow } from './run-costs.ts';

describe('integrateOverWindow', () => {
  it('counts each interval at its rate for the part of it inside the window', () => {
    const series = [{ tS: 0, r: 0 }, { tS: 1, r: 10 }, { tS: 2, r: 20 }, { tS: 3, r: 30 }];
    // (0,1] at 10/s: 0.5 s inside; (1,2] at 20/s: whole; (2,3] at 30/s: 0.25 s inside.
    expect(integrateOverWindow(series, (p) => p.r, { startS: 0.5, endS: 2.25 })).toBeCloseTo(5 + 20 + 7.5, 9);
  });

  it('gives nothing for a window the series does not reach', () => {
    expect(integrateOverWindow([{ tS: 0, r: 5 }, { tS: 1, r: 5 }], (p) => p.r, { startS: 4, endS: 9 })).toBe(0);
  });
});

describe('costsOf', () => {
  it('divides each server total over the window by the requests completed in it', () => {
    const server = makeServerMetrics({ hitRatio: 0.5, samplingDurationS: 10 });
    const window = { startS: 0, endS: 1_000 };
    const costs = costsOf(server, window, 1000);
    const appCpuS = server.containers.filter((c) => c.service.startsWith('app')).reduce((sum, c) => sum + integrateOverWindow(c.series, (p) => p.cpuPercent / 100, window), 0);
    expect(costs.requests).toBe(1000);
    expect(costs.cpuUsPerRequest.app).toBeCloseTo((appCpuS * 1e6) / 1000, 2);
    const redisCommands = integrateOverWindow(server.redis.series, (p) => p.commandsPerS, window);
    expect(costs.redisCommandsPerRequest).toBeCloseTo(redisCommands / 1000, 2);
    expect(costs.memcachedGetsPerRequest).not.toBeNull();
  });

  it('has no per-request figure without requests or without the collector', () => {
    const server = makeServerMetrics({ hitRatio: null, samplingDurationS: 10 });
    const costs = costsOf(server, { startS: 0, endS: 100 }, 0);
    expect(costs.pgQueriesPerRequest).toBeNull();
    expect(costs.memcachedGetsPerRequest).toBeNull();
    expect(costs.cpuUsPerRequest).toEqual({});
  });
});
