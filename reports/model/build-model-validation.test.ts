import { describe, expect, it } from 'vitest';
import { contentionNote } from './build-model-validation.ts';

describe('contentionNote', () => {
  it('calls a p99 rise host contention when the model reproduces it on the shared host and it vanishes on dedicated hosts', () => {
    const note = contentionNote('feed.read', 'shards-4', 'shards-1', { baseline: 20, configuration: 33 }, { baseline: 18, configuration: 30 }, { baseline: 6, configuration: 6.5 });
    expect(note.mostlyContention).toBe(true);
    expect(note.contentionShare).toBeCloseTo((12 - 0.5) / 12, 9);
    expect(note.text).toMatch(/^mostly host contention/);
    expect(note.text).toContain('with one host per tier instance 6.0 ms → 6.5 ms');
  });

  it('calls it the architecture when the difference stays on dedicated hosts', () => {
    const note = contentionNote('feed.read', 'memcached-off', 'memcached-on', { baseline: 20, configuration: 40 }, { baseline: 18, configuration: 38 }, { baseline: 6, configuration: 24 });
    expect(note.mostlyContention).toBe(false);
    expect(note.text).toMatch(/^the architecture, not the host/);
  });

  it('says so when the model does not even get the direction of the measured difference', () => {
    const note = contentionNote('feed.read', 'b', 'a', { baseline: 20, configuration: 25 }, { baseline: 18, configuration: 15 }, { baseline: 6, configuration: 5 });
    expect(note.mostlyContention).toBe(false);
    expect(note.text).toMatch(/does not reproduce/);
  });
});
