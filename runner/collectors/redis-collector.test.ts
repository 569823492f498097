import { describe, expect, it } from 'vitest';
import { keyspaceKeys, parseRedisInfo, summarizeRedis, toRedisSample } from './redis-collector.ts';

const info = (commands: number) =>
  [
    '# Server',
    'redis_version:7.2.4',
    '',
    '# Clients',
    'connected_clients:5',
    '# Memory',
    'used_memory:1048576',
    '# Stats',
    `total_commands_processed:${commands}`,
    'instantaneous_ops_per_sec:42',
    '# Keyspace',
    'db0:keys=10,expires=2,avg_ttl=0',
    'db3:keys=5,expires=0,avg_ttl=0',
    '',
  ].join('\r\n');

describe('redis INFO', () => {
  it('reads the gauges and counters, summing keys over every database', () => {
    expect(toRedisSample(parseRedisInfo(info(1000)))).toEqual({
      totalCommandsProcessed: 1000,
      instantaneousOpsPerS: 42,
      usedMemoryBytes: 1048576,
      keys: 15,
      connectedClients: 5,
    });
    expect(keyspaceKeys({ db0: 'keys=3,expires=0', used_memory: '1' })).toBe(3);
  });

  it('computes commands per second from total_commands_processed deltas', () => {
    const samples = [
      { tS: 0.5, value: toRedisSample(parseRedisInfo(info(1000))) },
      { tS: 1.5, value: toRedisSample(parseRedisInfo(info(1400))) },
      { tS: 3.5, value: toRedisSample(parseRedisInfo(info(1600))) },
    ];
    const metrics = summarizeRedis(samples);
    expect(metrics.series.map((p) => p.commandsPerS)).toEqual([400, 100]);
    expect(metrics.summary).toMatchObject({ commands: 600, commandsPerSMean: 250, commandsPerSMax: 400, keysEnd: 15 });
  });
});
