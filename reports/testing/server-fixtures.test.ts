import { describe, expect, it } from 'vitest';
import { ServerMetricsSchema } from '../../lib/server-metrics-schema.ts';
import { listIssues } from '../../lib/validate.ts';
import { MEMCACHED_OFF_SERVER, MEMCACHED_ON_SERVER, makeRedisOnlyServerMetrics, makeServerMetrics } from './server-fixtures.ts';

describe('server fixtures', () => {
  it('are shaped exactly as the collectors produce them', () => {
    expect(listIssues(ServerMetricsSchema, makeServerMetrics(MEMCACHED_ON_SERVER))).toEqual([]);
    expect(listIssues(ServerMetricsSchema, makeServerMetrics(MEMCACHED_OFF_SERVER))).toEqual([]);
    expect(listIssues(ServerMetricsSchema, makeRedisOnlyServerMetrics())).toEqual([]);
  });
});
