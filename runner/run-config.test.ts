import { describe, expect, it } from 'vitest';
import { isFeedscaleError } from '../lib/errors.ts';
import { expandMatrix, loadRunConfig, loadSavedRunConfig } from './run-config.ts';

function issuesOf(input: unknown): string[] {
  try {
    loadRunConfig(input);
    return [];
  } catch (err) {
    if (isFeedscaleError(err)) return [...err.details];
    throw err;
  }
}

describe('the run configuration', () => {
  it('defaults to memcached on against off, feed-read, seed 2011', () => {
    const { run, configurations, plans } = loadRunConfig({});
    expect(configurations.map((c) => [c.name, c.stack.cache])).toEqual([
      ['memcached-on', 'memcached'],
      ['memcached-off', 'off'],
    ]);
    expect(plans).toEqual(['feed-read']);
    expect(run.seed).toBe(2011);
  });

  it('lays each configuration over the base stack without resetting the base to defaults', () => {
    const { configurations } = loadRunConfig({ stack: { physicalShards: 3, pgbouncerPoolSize: 7 }, configurations: [{ name: 'a', stack: { cache: 'off' } }] });
    expect(configurations[0]!.stack).toMatchObject({ physicalShards: 3, pgbouncerPoolSize: 7, cache: 'off' });
  });

  it('expands a matrix into every combination, named after the values', () => {
    const specs = expandMatrix({ physicalShards: [1, 2, 4], cache: ['memcached', 'off'] });
    expect(specs.map((s) => s.name)).toEqual([
      'shards-1.memcached-on',
      'shards-1.memcached-off',
      'shards-2.memcached-on',
      'shards-2.memcached-off',
      'shards-4.memcached-on',
      'shards-4.memcached-off',
    ]);
    const { configurations } = loadRunConfig({ matrix: { physicalShards: [1, 4], pgbouncerPoolSize: [5, 50] } });
    expect(configurations.map((c) => [c.stack.physicalShards, c.stack.pgbouncerPoolSize])).toEqual([
      [1, 5],
      [1, 50],
      [4, 5],
      [4, 50],
    ]);
  });

  it('names the path of a bad matrix value and refuses a matrix beside explicit configurations', () => {
    expect(issuesOf({ matrix: { physicalShards: [0, 2] } })).toEqual([expect.stringMatching(/^\/matrix\/physicalShards\/0: /)]);
    expect(issuesOf({ matrix: { cache: ['on'] } })[0]).toMatch(/^\/matrix\/cache\/0: /);
    expect(issuesOf({ matrix: { cache: ['off'] }, configurations: [{ name: 'x' }] })).toContain('/matrix: give either `matrix` or `configurations`, not both');
  });

  it('refuses two configurations with one name and a plan listed twice', () => {
    expect(issuesOf({ configurations: [{ name: 'a' }, { name: 'a' }] })).toContain('/configurations/1/name: "a" appears twice');
    expect(issuesOf({ plans: ['feed-read', 'feed-read'] })).toContain('/plans: a plan appears twice');
  });

  it('takes duet as a boolean or "alternating" (a flag gives a string) and names anything else', () => {
    expect(loadRunConfig({}).run.duet).toBe(false);
    expect(loadRunConfig({ duet: true }).run.duet).toBe(true);
    expect(loadRunConfig({ duet: 'alternating' }).run.duet).toBe('alternating');
    expect(loadRunConfig({ duet: 'true' }).run.duet).toBe(true);
    expect(issuesOf({ duet: 'sideways' }).some((i) => i.startsWith('/duet'))).toBe(true);
  });

  it('names every broken field at once', () => {
    const issues = issuesOf({ seed: -1, stack: { appInstances: 0 }, load: { rateRps: 'x' }, bogus: true });
    expect(issues.map((i) => i.split(':')[0])).toEqual(expect.arrayContaining(['/seed', '/stack/appInstances', '/load/rateRps', '/bogus']));
  });
});

describe('loadSavedRunConfig', () => {
  it('resumes a matrix job with the configurations it resolved, not the default ones', () => {
    const { run, configurations } = loadRunConfig({ matrix: { physicalShards: [1, 2], cache: ['off'] } });
    const saved = JSON.parse(JSON.stringify({ run, configurations }));
    const resumed = loadSavedRunConfig(saved);
    expect(resumed.configurations.map((c) => c.name)).toEqual(configurations.map((c) => c.name));
    expect(resumed.configurations.map((c) => c.stack.physicalShards)).toEqual([1, 2]);
  });
});
