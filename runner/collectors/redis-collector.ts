import { Redis } from 'ioredis';
import type { Collector, Timed } from './collector.ts';
import { counterTotal, mapIntervals, maxOf, meanOf, ratePerS, round3 } from './rates.ts';
import type { RedisMetrics } from '../../lib/server-metrics-schema.ts';

export interface RedisSample {
  totalCommandsProcessed: number;
  instantaneousOpsPerS: number;
  usedMemoryBytes: number;
  keys: number;
  connectedClients: number;
}

/** Parses INFO's `key:value` lines (section headers and blank lines are skipped). */
export function parseRedisInfo(text: string): Record<string, string> {
  const info: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) info[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return info;
}

/** Sum of `keys=` over the keyspace lines (`db0:keys=12,expires=0,avg_ttl=0`). */
export function keyspaceKeys(info: Record<string, string>): number {
  let keys = 0;
  for (const [name, value] of Object.entries(info)) {
    if (!/^db\d+$/.test(name)) continue;
    const match = /(?:^|,)keys=(\d+)/.exec(value);
    if (match) keys += Number(match[1]);
  }
  return keys;
}

export function toRedisSample(info: Record<string, string>): RedisSample {
  const read = (name: string) => {
    const value = Number(info[name]);
    if (info[name] === undefined || !Number.isFinite(value)) throw new Error(`redis INFO has no numeric ${name}`);
    return value;
  };
  return {
    totalCommandsProcessed: read('total_commands_processed'),
    instantaneousOpsPerS: read('instantaneous_ops_per_sec'),
    usedMemoryBytes: read('used_memory'),
    keys: keyspaceKeys(info),
    connectedClients: read('connected_clients'),
  };
}

export function summarizeRedis(samples: readonly Timed<RedisSample>[]): RedisMetrics {
  const series = mapIntervals(samples, (a, b, elapsedS, tS) => ({
    tS: round3(tS),
    commandsPerS: round3(ratePerS(a.totalCommandsProcessed, b.totalCommandsProcessed, elapsedS)),
    instantaneousOpsPerS: b.instantaneousOpsPerS,
    usedMemoryBytes: b.usedMemoryBytes,
    keys: b.keys,
    connectedClients: b.connectedClients,
  }));
  const rates = series.map((p) => p.commandsPerS);
  return {
    series,
    summary: {
      commands: counterTotal(samples, (s) => s.totalCommandsProcessed),
      commandsPerSMean: round3(meanOf(rates)),
      commandsPerSMax: maxOf(rates),
      usedMemoryBytesMax: maxOf(samples.map((s) => s.value.usedMemoryBytes)),
      keysEnd: samples.at(-1)?.value.keys ?? 0,
    },
  };
}

/**
 * Redis INFO on one dedicated connection. The collector's own INFO calls count in
 * total_commands_processed: one per second, noise next to a feed workload.
 */
export function createRedisCollector(redisUrl: string, timeoutMs: number): Collector<RedisSample, RedisMetrics> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: timeoutMs, connectTimeout: timeoutMs, connectionName: 'feedscale-collector' });
  redis.on('error', () => {}); // failures surface through the sample that hit them
  return {
    name: 'redis',
    sample: async () => toRedisSample(parseRedisInfo(await redis.info())),
    summarize: async (samples) => summarizeRedis(samples),
    close: async () => {
      redis.disconnect();
    },
  };
}
