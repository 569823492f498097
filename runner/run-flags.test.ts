import { describe, expect, it } from 'vitest';
import { loadRunConfig } from './run-config.ts';
import { annotateWithFlags, applyFlags } from './run-flags.ts';

describe('applyFlags', () => {
  it('lays flags over the configuration at their paths, flags winning', () => {
    const config = applyFlags({ stack: { physicalShards: 2 }, load: { rateRps: 10 } }, { shards: '4', duration: '5' });
    expect(config).toEqual({ stack: { physicalShards: '4' }, load: { rateRps: 10, durationS: '5' } });
  });

  it('narrows a configuration that lists several plans to the one --plan names', () => {
    const config = applyFlags({ plans: ['app-crash', 'cache-loss', 'worker-crash'] }, { plan: 'cache-loss' });
    expect(loadRunConfig(config).plans).toEqual(['cache-loss']);
    // Without --plan the list stands.
    expect(loadRunConfig(applyFlags({ plans: ['app-crash', 'cache-loss'] }, {})).plans).toEqual(['app-crash', 'cache-loss']);
  });

  it('names the flag beside the field in config errors', () => {
    expect(annotateWithFlags(['/stack/physicalShards: must be >= 1'])).toEqual(['/stack/physicalShards (--shards): must be >= 1']);
  });
});
