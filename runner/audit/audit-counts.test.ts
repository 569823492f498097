import { describe, expect, it } from 'vitest';
import { distinctWrites, tally } from './audit-counts.ts';
import { auditedTypes, planWrites } from './plan-writes.ts';

describe('audit counts', () => {
  it('counts a write acknowledged twice (a repeated like) once', () => {
    const writes = distinctWrites([
      { type: 'media.like', ids: ['10', '1'], startS: 0, endS: 0.1 },
      { type: 'media.like', ids: ['10', '1'], startS: 1, endS: 1.1 },
      { type: 'media.like', ids: ['10', '2'], startS: 2, endS: 2.1 },
      { type: 'user.create', ids: ['7'], startS: 2, endS: 2.1 },
    ]);
    expect(writes.get('media.like')!.map((w) => w.ids.join(':'))).toEqual(['10:1', '10:2']);
    expect(writes.get('user.create')).toHaveLength(1);
  });

  it('tallies present, lost and duplicated, with examples', () => {
    const found = new Map([
      ['a', 1],
      ['b', 0],
      ['c', 2],
      ['x', 3],
    ]);
    expect(tally('feed.fan-out', ['a', 'b', 'c', 'd'], found, ['x'])).toEqual({
      type: 'feed.fan-out',
      acknowledged: 4,
      present: 2,
      lost: 2,
      duplicated: 2,
      examples: ['lost b', '2x c', 'lost d', '3x x (not owed)'],
    });
    expect(tally('user.create', ['a'], found)).toEqual({ type: 'user.create', acknowledged: 1, present: 1, lost: 0, duplicated: 0 });
  });

  it('audits plans that write, and only those', () => {
    expect(planWrites({ mix: { 'feed.read': 1 } })).toBe(false);
    expect(planWrites({ mix: { 'feed.read': 1, 'upload.start': 0 } })).toBe(false);
    expect(planWrites({ mix: { 'feed.read': 1, 'media.like': 0.01 } })).toBe(true);
    expect(auditedTypes({ mix: { 'feed.read': 1, 'upload.start': 0.1, 'follow.create': 0.1 } })).toEqual(['follow.create', 'upload.complete', 'feed.fan-out']);
  });
});
