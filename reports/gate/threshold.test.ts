import { describe, expect, it } from 'vitest';
import { isFeedscaleError } from '../../lib/errors.ts';
import { parseGateFile } from './gate-file.ts';
import { parseThreshold, parseThresholds } from './threshold.ts';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isFeedscaleError(err) && err.code).toBe('CFG_ERR_INVALID');
    return (err as Error).message;
  }
  throw new Error('expected a throw');
}

describe('parseThreshold', () => {
  it('parses absolute latency, error-rate and throughput limits', () => {
    expect(parseThreshold('feed.read:p(99)<250')).toEqual({
      expression: 'feed.read:p(99)<250',
      endpoint: 'feed.read',
      metric: { kind: 'latency', percentile: 99, from: 'intended' },
      operator: '<',
      limit: { kind: 'absolute', value: 250 },
    });
    expect(parseThreshold(' *:p(99.9) < 1000ms ')).toMatchObject({ endpoint: '*', metric: { kind: 'latency', percentile: 99.9 }, limit: { kind: 'absolute', value: 1000 } });
    expect(parseThreshold('feed.read:send_p(99)<=+10%').metric).toEqual({ kind: 'latency', percentile: 99, from: 'send' });
    expect(parseThreshold('feed.read:error_rate<0.01')).toMatchObject({ metric: { kind: 'error_rate' }, limit: { kind: 'absolute', value: 0.01 } });
    expect(parseThreshold('*:throughput>=50rps')).toMatchObject({ metric: { kind: 'throughput' }, operator: '>=', limit: { kind: 'absolute', value: 50 } });
  });

  it('parses failure and unserved rates and mean response bytes', () => {
    expect(parseThreshold('*:failure_rate<0.01').metric).toEqual({ kind: 'failure_rate' });
    expect(parseThreshold('*:unserved_rate<=0.001')).toMatchObject({ metric: { kind: 'unserved_rate' }, operator: '<=', limit: { kind: 'absolute', value: 0.001 } });
    expect(parseThreshold('feed.read:response_bytes<=+5%')).toMatchObject({ metric: { kind: 'response_bytes' }, limit: { kind: 'relative', percent: 5 } });
  });

  it('parses run-level costs under the pseudo-endpoint server, with a service kind for CPU', () => {
    expect(parseThreshold('server:pg_queries_per_req<=+10%')).toMatchObject({ endpoint: 'server', metric: { kind: 'cost', cost: 'pg_queries_per_req' } });
    expect(parseThreshold('server:cpu_us_per_req.app<=+10%').metric).toEqual({ kind: 'cost', cost: 'cpu_us_per_req', service: 'app' });
    expect(parseThreshold('server:cpu_us_per_req<1500').metric).toEqual({ kind: 'cost', cost: 'cpu_us_per_req' });
    for (const name of ['pg_rows_per_req', 'redis_commands_per_req', 'memcached_gets_per_req']) expect(parseThreshold(`server:${name}<=+10%`).metric).toEqual({ kind: 'cost', cost: name });
  });

  it('parses signed percentages as limits relative to the baseline', () => {
    expect(parseThreshold('feed.read:p(99)<=+10%')).toMatchObject({ operator: '<=', limit: { kind: 'relative', percent: 10 } });
    expect(parseThreshold('*:throughput>=-5%')).toMatchObject({ endpoint: '*', operator: '>=', limit: { kind: 'relative', percent: -5 } });
  });

  it('keeps colons inside an endpoint name', () => {
    expect(parseThreshold('svc:feed.read:p(50)<5').endpoint).toBe('svc:feed.read');
  });

  it('rejects malformed expressions with a message naming the expression and the rule', () => {
    expect(messageOf(() => parseThreshold('p(99)<250'))).toBe('threshold "p(99)<250": expected <endpoint>:<metric><operator><limit>, e.g. feed.read:p(99)<250');
    expect(messageOf(() => parseThreshold('feed.read:p(99)<<250'))).toMatch(/^threshold "feed.read:p\(99\)<<250": limit "<250" is not a number/);
    expect(messageOf(() => parseThreshold('feed.read:p99<250'))).toBe('threshold "feed.read:p99<250": percentile must be written p(N) or send_p(N) with N a number, got "p99"');
    expect(messageOf(() => parseThreshold('feed.read:p(0)<250'))).toBe('threshold "feed.read:p(0)<250": percentile must be in (0, 100], got 0');
    expect(messageOf(() => parseThreshold('feed.read:latency<250'))).toBe(
      'threshold "feed.read:latency<250": unknown metric "latency"; use p(N), send_p(N), error_rate, failure_rate, unserved_rate, throughput, response_bytes, lost, duplicated, ' +
        'or on server: cpu_us_per_req, pg_queries_per_req, pg_rows_per_req, redis_commands_per_req, memcached_gets_per_req',
    );
    expect(messageOf(() => parseThreshold('*:pg_queries_per_req<=+10%'))).toBe('threshold "*:pg_queries_per_req<=+10%": pg_queries_per_req is a run-level cost: write server:pg_queries_per_req...');
    expect(messageOf(() => parseThreshold('server:p(99)<250'))).toMatch(/^threshold "server:p\(99\)<250": server has only run-level costs: cpu_us_per_req, /);
    expect(messageOf(() => parseThreshold('server:pg_queries_per_req.pg<3'))).toMatch(/only cpu_us_per_req takes a service kind/);
    expect(messageOf(() => parseThreshold('*:unserved_rate<=+10%'))).toMatch(/unserved_rate takes an absolute limit/);
    expect(messageOf(() => parseThreshold('feed.read:p(99)<=10%'))).toBe('threshold "feed.read:p(99)<=10%": a relative limit needs a sign: +10% or -10% (for an absolute rate write 0.1)');
    expect(messageOf(() => parseThreshold('feed.read:p(99)<+250'))).toBe('threshold "feed.read:p(99)<+250": an absolute limit has no sign; for a relative one write +250%');
    expect(messageOf(() => parseThreshold('feed.read:error_rate<=+10%'))).toMatch(/error_rate takes an absolute limit/);
    expect(messageOf(() => parseThreshold('feed.read:failure_rate<2'))).toMatch(/failure_rate is a fraction in \[0, 1\], got 2/);
    expect(messageOf(() => parseThreshold('feed.read:error_rate<2'))).toMatch(/error_rate is a fraction in \[0, 1\], got 2/);
    expect(messageOf(() => parseThreshold('feed.read:throughput>5ms'))).toMatch(/ms applies to latency percentiles only/);
    expect(messageOf(() => parseThreshold('feed.read:p(99)<-100%'))).toMatch(/must be above -100%/);
  });

  it('reports every bad expression of a list at once', () => {
    const message = messageOf(() => parseThresholds(['feed.read:p(99)<250', 'a:b<1', 'c:p(99)<x']));
    expect(message.split('\n')).toHaveLength(3);
    expect(message).toMatch(/^2 invalid thresholds:/);
  });
});

describe('parseGateFile', () => {
  it('fills the confidence default', () => {
    const gate = parseGateFile({ thresholds: ['feed.read:p(99)<=+10%'] });
    expect(gate.confidence).toBe(0.95);
    expect(gate.thresholds[0]!.limit).toEqual({ kind: 'relative', percent: 10 });
  });

  it('parses the default gate CI uses', async () => {
    const { readFile } = await import('node:fs/promises');
    const file = JSON.parse(await readFile(new URL('../../scenarios/gates/default.json', import.meta.url), 'utf8')) as unknown;
    expect(parseGateFile(file, 'scenarios/gates/default.json').thresholds.length).toBeGreaterThan(0);
  });

  it('rejects unknown fields and an empty list with their paths', () => {
    expect(messageOf(() => parseGateFile({ thresholds: [], extra: 1 }, 'gate.json'))).toMatch(/^invalid gate\.json:\n.*\/thresholds/s);
    expect(messageOf(() => parseGateFile({ thresholds: ['x'], extra: 1 }, 'gate.json'))).toMatch(/\/extra/);
  });
});
